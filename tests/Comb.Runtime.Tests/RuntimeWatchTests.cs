using Comb.Storage;
using Comb.Testing.Images;

namespace Comb.Runtime.Tests;

/// <summary>
/// comb runtime watch against a real containerd and a real Podman: each image digest is scanned once (a later round, or a later watch,
/// finds its scan in the store and scans nothing), a web shell dropped later makes the container one drifted record,
/// and a container that stops is marked stopped.
/// </summary>
public sealed class RuntimeWatchTests
{
    // runc keeps container state per namespace in one directory for every containerd on the machine: a namespace of its own.
    private readonly string Ns = "comb-watch-" + Guid.NewGuid().ToString("n")[..8];

    [Fact]
    public async Task A_container_whose_image_is_unchanged_is_not_rescanned_and_its_drift_is_recorded_once()
    {
        ContainerTools.Require("containerd", "ctr", "runc");
        var webShell = Samples.WebShell();
        var layout = DebianImage.RequireReference()["oci:".Length..];
        using var containerd = new ContainerdDaemon();
        containerd.Import(Ns, layout, "example.test/comb/watch", "overlayfs");
        containerd.Ctr("-n", Ns, "run", "-d", "--snapshotter", "overlayfs", "example.test/comb/watch:bookworm", "web", "sleep", "600");
        var cache = Path.Combine(containerd.Dir, "cache");
        var storePath = Path.Combine(containerd.Dir, "history.db");
        string[] watch = ["runtime", "watch", "--containerd-address", containerd.Address, "--containerd-root", containerd.Root, "--store", storePath, "--cache-dir", cache, "--scanners", "config"];

        // Two rounds in one watch: the image is scanned in the first only.
        var (code, stdout, stderr) = await Cli.RunAsync([.. watch, "--interval", "200ms", "--duration", "300ms"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(["1 running, 0 drifted, 1 image(s) scanned", "1 running, 0 drifted, 0 image(s) scanned"], Rounds(stdout));

        // A web shell dropped into the running container: the next watch scans no image and records the drift.
        var root = $"/proc/{containerd.Pid(Ns, "web")}/root";
        Directory.CreateDirectory(root + "/var/www/html");
        await File.WriteAllBytesAsync(root + "/var/www/html/shell.php", webShell, TestContext.Current.CancellationToken);
        (code, stdout, stderr) = await Cli.RunAsync([.. watch, "--duration", "0"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(["1 running, 1 drifted, 0 image(s) scanned"], Rounds(stdout));
        Assert.Contains($"drifted: web (containerd/{Ns}): 1 file(s), 1 with malware", stdout, StringComparison.Ordinal);

        await using (var store = await ScanStore.OpenAsync(storePath, TestContext.Current.CancellationToken))
        {
            var scans = await store.ListAsync(new HistoryQuery { Limit = 100 }, TestContext.Current.CancellationToken);
            var scan = Assert.Single(scans);
            var web = Assert.Single(await store.RuntimeContainersAsync(includeStopped: false, TestContext.Current.CancellationToken));
            Assert.Equal(("web", Ns, "containerd"), (web.ContainerId, web.Namespace, web.Runtime));
            Assert.Equal(scan.Digest, web.ImageDigest);
            Assert.Equal(scan.Id, web.ImageScanId);
            Assert.True(web.Drifted);
            Assert.Equal(1, web.DriftFiles);
            Assert.Equal("CRITICAL", web.Severity);
            Assert.NotNull(web.DriftSince);
            Assert.Contains("/var/www/html/shell.php", web.ReportJson, StringComparison.Ordinal);
        }

        // The container stops: the next round keeps its record, marked stopped.
        containerd.Ctr("-n", Ns, "task", "rm", "-f", "web");
        (code, stdout, stderr) = await Cli.RunAsync([.. watch, "--duration", "0"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(["0 running, 0 drifted, 0 image(s) scanned"], Rounds(stdout));
        await using (var store = await ScanStore.OpenAsync(storePath, TestContext.Current.CancellationToken))
        {
            Assert.Empty(await store.RuntimeContainersAsync(includeStopped: false, TestContext.Current.CancellationToken));
            Assert.False(Assert.Single(await store.RuntimeContainersAsync(includeStopped: true, TestContext.Current.CancellationToken)).Running);
            Assert.Equal(4, await store.RuntimeRoundCountAsync(TestContext.Current.CancellationToken));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task A_file_dropped_into_a_running_podman_container_is_recorded_as_its_drift()
    {
        ContainerTools.Require("podman", "runc");
        var webShell = Samples.WebShell();
        var image = DebianImage.RequireReference();
        using var podman = new PodmanStore();
        podman.Podman("pull", image + ":bookworm");
        var imageId = podman.Podman("images", "--quiet", "--no-trunc").Trim().Split('\n')[0];
        podman.Podman("run", "-d", "--name", "web", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", imageId, "sleep", "600");
        var storePath = Path.Combine(podman.Dir, "history.db");
        string[] watch = ["runtime", "watch", "--storage-root", podman.Root, "--runroot", podman.RunRoot, "--store", storePath, "--cache-dir", Path.Combine(podman.Dir, "cache"),
            "--scanners", "config", "--duration", "0"];

        // The first round scans the image from Podman's storage; the container has not drifted.
        var (code, stdout, stderr) = await Cli.RunAsync(watch);
        Assert.True(code == 0, stderr);
        Assert.Equal(["1 running, 0 drifted, 1 image(s) scanned"], Rounds(stdout));

        // A web shell written into the running container's filesystem (as an intruder would, not through podman).
        var pid = podman.Podman("inspect", "--format", "{{.State.Pid}}", "web").Trim();
        var root = $"/proc/{pid}/root";
        Directory.CreateDirectory(root + "/var/www/html");
        await File.WriteAllBytesAsync(root + "/var/www/html/shell.php", webShell, TestContext.Current.CancellationToken);
        (code, stdout, stderr) = await Cli.RunAsync(watch);
        Assert.True(code == 0, stderr);
        Assert.Equal(["1 running, 1 drifted, 0 image(s) scanned"], Rounds(stdout));
        Assert.Contains("drifted: web (podman): 1 file(s), 1 with malware", stdout, StringComparison.Ordinal);

        await using (var store = await ScanStore.OpenAsync(storePath, TestContext.Current.CancellationToken))
        {
            var scan = Assert.Single(await store.ListAsync(new HistoryQuery { Limit = 100 }, TestContext.Current.CancellationToken));
            var web = Assert.Single(await store.RuntimeContainersAsync(includeStopped: false, TestContext.Current.CancellationToken));
            Assert.Equal("podman", web.Runtime);
            Assert.Equal(scan.Digest, web.ImageDigest);
            Assert.Equal(scan.Id, web.ImageScanId);
            Assert.True(web.Drifted);
            Assert.Equal(1, web.DriftFiles);
            Assert.Equal("CRITICAL", web.Severity);
            Assert.Contains("/var/www/html/shell.php", web.ReportJson, StringComparison.Ordinal);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [Theory]
    [InlineData("--interval", "0s")]
    [InlineData("--interval", "soon")]
    [InlineData("--duration", "-1m")]
    public async Task A_bad_interval_or_duration_is_an_input_error(string option, string value)
    {
        var (code, _, stderr) = await Cli.RunAsync("runtime", "watch", "--storage-root", "/nonexistent", option, value);
        Assert.Equal(2, code);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    /// <summary>The round lines of a watch's output, without their time stamps and numbers.</summary>
    private static List<string> Rounds(string stdout) =>
        [.. stdout.Split('\n').Where(l => l.Contains(" round ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(": ", StringComparison.Ordinal) + 2)..].Trim())];
}
