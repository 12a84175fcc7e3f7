using System.Text.Json.Nodes;
using Comb.Testing.Images;

namespace Comb.Runtime.Tests;

/// <summary>
/// Overlay opaque directories, for real: in a Podman container on the overlay driver, a directory deleted and made
/// again is opaque in the container's upper directory (overlayfs sets trusted.overlay.opaque), so the image's files in
/// it are deleted; committed as an image, the layer carries a `.wh..wh..opq` whiteout and its unpacked directory is
/// opaque, so the files are not part of that image either (written back, they are added).
/// </summary>
public sealed class OpaqueDirectoryTests
{
    private static readonly string[] RunOptions = ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

    [Fact]
    public async Task A_directory_deleted_and_made_again_hides_the_image_files_that_were_in_it()
    {
        ContainerTools.Require("podman", "runc");
        var image = DebianImage.RequireReference();
        using var podman = new PodmanStore("overlay");
        podman.Podman("pull", image + ":bookworm");
        var imageId = podman.Podman("images", "--quiet", "--no-trunc").Trim().Split('\n')[0];
        podman.Podman(["run", "-d", "--name", "remade", .. RunOptions, imageId, "sleep", "600"]);
        var imageFiles = podman.Podman("exec", "remade", "find", "/etc/apt", "!", "-type", "d").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(imageFiles);
        podman.Podman("exec", "remade", "sh", "-c", "cp -a /etc/apt /opt/apt-copy && rm -rf /etc/apt && mkdir /etc/apt && echo remade > /etc/apt/note");

        var remade = await ContainerAsync(podman, "remade");
        var drift = remade["drift"]!.AsArray().Where(d => d!["path"]!.GetValue<string>().StartsWith("/etc/apt/", StringComparison.Ordinal))
            .ToDictionary(d => d!["path"]!.GetValue<string>(), d => d!["change"]!.GetValue<string>());
        Assert.Equal(imageFiles.Select(f => (f, "deleted")).Append(("/etc/apt/note", "added")).Order(), drift.Select(d => (d.Key, d.Value)).Order());

        // Committed: the new layer has the opaque directory. A container of it that copies the old files back (same
        // content, mode and times) has added them: they are not in its image.
        podman.Podman("commit", "remade", "localhost/remade:1");
        podman.Podman(["run", "-d", "--name", "restored", .. RunOptions, "localhost/remade:1", "sleep", "600"]);
        var again = await ContainerAsync(podman, "restored");
        Assert.Empty(again["drift"]!.AsArray());
        podman.Podman("exec", "restored", "sh", "-c", "cp -a /opt/apt-copy/. /etc/apt/");
        var restored = await ContainerAsync(podman, "restored");
        Assert.Equal(imageFiles.Select(f => (f, "added")).Order(),
            restored["drift"]!.AsArray().Select(d => (d!["path"]!.GetValue<string>(), d["change"]!.GetValue<string>())).Order());
    }

    private static async Task<JsonNode> ContainerAsync(PodmanStore podman, string name)
    {
        var (code, stdout, stderr) = await Cli.RunAsync("runtime", "scan", "--storage-root", podman.Root, "--runroot", podman.RunRoot, "--format", "json");
        Assert.True(code == 0, stderr);
        return JsonNode.Parse(stdout)!["containers"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
    }
}
