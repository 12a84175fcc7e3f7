using System.Text.Json.Nodes;
using Comb.Testing.Images;

namespace Comb.Runtime.Tests;

/// <summary>
/// Real Podman containers (vfs, runc, no network) from the Debian test image: files written into a running
/// container after it started are reported as drift, the web shell by the malware engines, and the containers'
/// privileges as configured; a container that is not running is not listed.
/// </summary>
public sealed class RuntimeScanTests
{
    private static readonly string[] RunOptions = ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

    [Theory]
    [InlineData("vfs")]
    [InlineData("overlay")]
    public async Task Files_written_into_a_running_container_are_drift_and_the_web_shell_is_found(string driver)
    {
        ContainerTools.Require("podman", "runc");
        var webShell = Samples.WebShell();
        var image = DebianImage.RequireReference();
        using var podman = new PodmanStore(driver);
        podman.Podman("pull", image + ":bookworm");
        var imageId = podman.Podman("images", "--quiet", "--no-trunc").Trim().Split('\n')[0];
        podman.Podman(["run", "-d", "--name", "web", .. RunOptions, imageId, "sleep", "600"]);
        podman.Podman(["run", "-d", "--name", "loose", .. RunOptions, "--cap-add", "SYS_PTRACE", "--security-opt", "seccomp=unconfined", "--user", "65534", "-v", "/etc:/host-etc:ro", imageId, "sleep", "600"]);
        podman.Podman("create", "--name", "idle", imageId, "true");

        var shellFile = Path.Combine(podman.Dir, "shell.php");
        await File.WriteAllBytesAsync(shellFile, webShell, TestContext.Current.CancellationToken);
        podman.Podman("exec", "web", "mkdir", "-p", "/var/www/html");
        podman.Podman("cp", shellFile, "web:/var/www/html/shell.php");
        podman.Podman("exec", "web", "sh", "-c", "cp /bin/ls /usr/local/bin/tool && chmod 4755 /usr/local/bin/tool && echo 99 > /etc/debian_version && rm /etc/adduser.conf");

        var (code, stdout, stderr) = await Cli.RunAsync("runtime", "scan", "--storage-root", podman.Root, "--runroot", podman.RunRoot, "--format", "json");

        Assert.True(code == 0, stderr);
        var containers = JsonNode.Parse(stdout)!["containers"]!.AsArray();
        Assert.Equal(["loose", "web"], containers.Select(c => c!["name"]!.GetValue<string>()));
        var web = containers.Single(c => c!["name"]!.GetValue<string>() == "web")!;
        Assert.True(web["drifted"]!.GetValue<bool>());
        Assert.StartsWith("sha256:", web["imageDigest"]!.GetValue<string>(), StringComparison.Ordinal);
        var drift = web["drift"]!.AsArray().ToDictionary(d => d!["path"]!.GetValue<string>());

        var shell = drift["/var/www/html/shell.php"]!;
        Assert.Equal("added", shell["change"]!.GetValue<string>());
        Assert.Contains("script", Kinds(shell));
        var hit = Assert.Single(shell["malware"]!.AsArray());
        Assert.Equal("webshell", hit!["category"]!.GetValue<string>());
        Assert.Contains("webshell", hit["engines"]!.AsArray().Select(e => e!.GetValue<string>()));

        var tool = drift["/usr/local/bin/tool"]!;
        Assert.Equal("added", tool["change"]!.GetValue<string>());
        Assert.Equal(["executable", "setuid"], Kinds(tool));
        Assert.Equal("4755", tool["mode"]!.GetValue<string>());

        var changed = drift["/etc/debian_version"]!;
        Assert.Equal("changed", changed["change"]!.GetValue<string>());
        Assert.Contains("package-file", Kinds(changed));
        Assert.NotEqual(changed["sha256"]!.GetValue<string>(), changed["imageSha256"]!.GetValue<string>());

        var deleted = drift["/etc/adduser.conf"]!;
        Assert.Equal("deleted", deleted["change"]!.GetValue<string>());
        Assert.Contains("package-file", Kinds(deleted));

        // Files the runtime mounts over the root filesystem are not the container's drift.
        Assert.DoesNotContain("/etc/hosts", drift.Keys);
        Assert.DoesNotContain("/etc/hostname", drift.Keys);

        Assert.Equal(["runs-as-root", "writable-rootfs"], Privileges(web));
        var loose = containers.Single(c => c!["name"]!.GetValue<string>() == "loose")!;
        Assert.Equal(["added-capability", "no-seccomp", "sensitive-mount", "writable-rootfs"], Privileges(loose));
        Assert.DoesNotContain(loose["drift"]!.AsArray(), d => d!["path"]!.GetValue<string>().StartsWith("/var/www", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_store_without_containers_lists_none_and_a_missing_store_is_an_input_error()
    {
        var empty = Directory.CreateTempSubdirectory("comb-runtime-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(empty, "vfs-containers"));
            await File.WriteAllTextAsync(Path.Combine(empty, "vfs-containers", "containers.json"), "[]", TestContext.Current.CancellationToken);
            var (code, stdout, stderr) = await Cli.RunAsync("runtime", "scan", "--storage-root", empty, "--format", "json");
            Assert.True(code == 0, stderr);
            Assert.Empty(JsonNode.Parse(stdout)!["containers"]!.AsArray());

            await File.WriteAllTextAsync(Path.Combine(empty, "vfs-containers", "containers.json"), "{not json", TestContext.Current.CancellationToken);
            var (bad, _, badErr) = await Cli.RunAsync("runtime", "scan", "--storage-root", empty);
            Assert.Equal(2, bad);
            Assert.Contains("containers.json", badErr, StringComparison.Ordinal);

            var (missing, _, missingErr) = await Cli.RunAsync("runtime", "scan", "--storage-root", Path.Combine(empty, "nope"));
            Assert.Equal(2, missing);
            Assert.Contains("not found", missingErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    private static List<string> Kinds(JsonNode drift) => [.. drift["kinds"]!.AsArray().Select(k => k!.GetValue<string>())];

    private static List<string> Privileges(JsonNode container) =>
        [.. container["privileges"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal)];
}
