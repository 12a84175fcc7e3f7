using System.Text.Json.Nodes;
using Comb.Testing.Images;

namespace Comb.Runtime.Tests;

/// <summary>
/// A real containerd (its own root, state and socket) running the Debian test image: files written into a running
/// container's writable layer are drift, read through containerd's API and the snapshot's mounts, the web shell found
/// by the malware engines; a container that is only created is not listed; namespaces are kept apart.
/// </summary>
public sealed class ContainerdRuntimeTests
{
    // runc keeps container state per namespace in one directory for every containerd on the machine: a namespace of its own.
    private readonly string Ns = "comb-scan-" + Guid.NewGuid().ToString("n")[..8];

    [Theory]
    [InlineData("overlayfs")]
    [InlineData("native")]
    public async Task A_web_shell_dropped_into_a_running_containerd_container_is_drift_with_its_container_and_path(string snapshotter)
    {
        ContainerTools.Require("containerd", "ctr", "runc");
        var webShell = Samples.WebShell();
        var layout = DebianImage.RequireReference()["oci:".Length..];
        var manifestDigest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json"), TestContext.Current.CancellationToken))!["manifests"]![0]!["digest"]!.GetValue<string>();
        using var containerd = new ContainerdDaemon();
        containerd.Import(Ns, layout, "example.test/comb/deb", snapshotter);
        containerd.Ctr("-n", Ns, "run", "-d", "--snapshotter", snapshotter, "--cap-add", "CAP_SYS_PTRACE", "example.test/comb/deb:bookworm", "web", "sleep", "600");
        containerd.Ctr("-n", Ns, "containers", "create", "--snapshotter", snapshotter, "example.test/comb/deb:bookworm", "idle", "true");

        // Written from the host through the task's root: the files land in the container's writable layer.
        var root = $"/proc/{containerd.Pid(Ns, "web")}/root";
        Directory.CreateDirectory(root + "/var/www/html");
        await File.WriteAllBytesAsync(root + "/var/www/html/shell.php", webShell, TestContext.Current.CancellationToken);
        File.Copy("/bin/ls", root + "/usr/local/bin/tool");
        ContainerTools.Run("chmod", "755", root + "/usr/local/bin/tool");
        await File.WriteAllTextAsync(root + "/etc/debian_version", "99\n", TestContext.Current.CancellationToken);

        var (code, stdout, stderr) = await Cli.RunAsync("runtime", "scan", "--containerd-address", containerd.Address, "--format", "json");

        Assert.True(code == 0, stderr);
        var report = JsonNode.Parse(stdout)!;
        Assert.Equal(containerd.Address, report["containerdAddress"]!.GetValue<string>());
        var web = Assert.Single(report["containers"]!.AsArray())!;
        Assert.Equal("web", web["id"]!.GetValue<string>());
        Assert.Equal("containerd", web["runtime"]!.GetValue<string>());
        Assert.Equal(Ns, web["namespace"]!.GetValue<string>());
        Assert.Equal("example.test/comb/deb:bookworm", web["image"]!.GetValue<string>());
        Assert.Equal(manifestDigest, web["imageDigest"]!.GetValue<string>());
        Assert.Null(web["driftUnavailable"]);
        Assert.Equal(["mutable-image-reference", "drifted"], web["immutability"]!.AsArray().Select(i => i!.GetValue<string>()));

        var drift = web["drift"]!.AsArray().ToDictionary(d => d!["path"]!.GetValue<string>());
        Assert.Equal(["/etc/debian_version", "/usr/local/bin/tool", "/var/www/html/shell.php"], drift.Keys.Order(StringComparer.Ordinal));
        var shell = drift["/var/www/html/shell.php"]!;
        Assert.Equal("added", shell["change"]!.GetValue<string>());
        var hit = Assert.Single(shell["malware"]!.AsArray())!;
        Assert.Equal("webshell", hit["category"]!.GetValue<string>());
        Assert.Equal("/var/www/html/shell.php", hit["path"]!.GetValue<string>());
        Assert.Equal(["executable"], drift["/usr/local/bin/tool"]!["kinds"]!.AsArray().Select(k => k!.GetValue<string>()));
        Assert.Equal("changed", drift["/etc/debian_version"]!["change"]!.GetValue<string>());
        Assert.Contains("package-file", drift["/etc/debian_version"]!["kinds"]!.AsArray().Select(k => k!.GetValue<string>()));

        var privileges = web["privileges"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ToList();
        Assert.Contains("added-capability", privileges);
        Assert.Contains("runs-as-root", privileges);

        // Another namespace has nothing running; an unknown socket is an input error that names it.
        var (otherCode, other, _) = await Cli.RunAsync("runtime", "scan", "--containerd-address", containerd.Address, "--containerd-namespace", "default", "--format", "json");
        Assert.Equal(0, otherCode);
        Assert.Empty(JsonNode.Parse(other)!["containers"]!.AsArray());
        var missing = Path.Combine(containerd.Dir, "nope.sock");
        var (missingCode, _, missingErr) = await Cli.RunAsync("runtime", "scan", "--containerd-address", missing);
        Assert.Equal(2, missingCode);
        Assert.Contains(missing, missingErr, StringComparison.Ordinal);
    }
}
