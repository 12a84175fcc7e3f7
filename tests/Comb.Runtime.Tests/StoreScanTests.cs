using System.Text.Json;
using System.Text.Json.Nodes;
using Comb.Testing;
using Comb.Testing.Images;

namespace Comb.Runtime.Tests;

/// <summary>A cache with the advisory database imported once from the shared data.</summary>
public sealed class AdvisoryCache : IAsyncLifetime
{
    private string? _skip;

    public string Dir { get; } = Directory.CreateTempSubdirectory("comb-stores-cache-").FullName;

    public async ValueTask InitializeAsync()
    {
        var feeds = SharedData.RootOrNull is { } root ? Path.Combine(root, "vulndb") : null;
        if (feeds is null || !Directory.Exists(feeds))
        {
            _skip = "Shared test data not found: expected ../shared/data/vulndb beside the repository (or COMB_SHARED_DATA).";
            return;
        }

        var (code, _, stderr) = await Cli.RunAsync("db", "import", feeds, "--cache-dir", Dir);
        if (code != 0)
        {
            _skip = "advisory database import failed: " + stderr;
        }
    }

    public void Require() => Assert.SkipWhen(_skip is not null, _skip ?? "");

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// One image loaded into real Podman storage (vfs) and a real containerd, scanned from each store and from its OCI
/// layout: the same packages, vulnerabilities, secrets, malware and misconfigurations, and the same layer digests
/// (whiteouts and an opaque directory included).
/// </summary>
public sealed class StoreScanTests(AdvisoryCache cache) : IClassFixture<AdvisoryCache>
{
    private const string LockFile = """
        {
          "name": "shop", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
          "packages": {
            "": { "name": "shop", "version": "1.0.0", "dependencies": { "lodash": "^4.17.15" } },
            "node_modules/lodash": { "version": "4.17.15" }
          }
        }
        """;

    private const string DpkgStatus = """
        Package: tzdata
        Status: install ok installed
        Version: 2021a-1+deb11u1
        Architecture: all

        Package: libc6
        Status: install ok installed
        Source: glibc
        Version: 2.31-13+deb11u2
        Architecture: amd64

        """;

    private static TestImage Image(byte[] webShell) => new TestImage()
        .Layer(l => l.By("ADD rootfs /")
            .File("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"11\"\nID=debian\n")
            .File("var/lib/dpkg/status", DpkgStatus)
            .File("app/package-lock.json", LockFile)
            .File("app/tmp/remove-me.txt", "gone in the next layer")
            .File("app/conf/old.env", "AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM3\n")
            .Symlink("app/current", "/app"))
        .Layer(l => l.By("ADD shell /")
            .File("var/www/html/up.php", webShell)
            .File("app/.env", "AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM2\n")
            .Whiteout("app/tmp/remove-me.txt")
            .Directory("app/conf")
            .Opaque("app/conf")
            .File("app/conf/new.env", "MODE=production\n"));

    [Theory]
    [InlineData("vfs")]
    [InlineData("overlay")]
    public async Task An_image_in_Podman_storage_and_in_containerd_scans_like_its_OCI_layout(string driver)
    {
        ContainerTools.Require("podman", "runc", "containerd", "ctr");
        cache.Require();
        var webShell = Samples.WebShell();
        using var podman = new PodmanStore(driver);
        using var containerd = new ContainerdDaemon();
        var layout = Path.Combine(podman.Dir, "layout");
        var archive = Path.Combine(podman.Dir, "image.tar");
        var image = Image(webShell);
        image.WriteOciLayout(layout, "v1");
        image.WriteOciArchive(archive, "v1");

        podman.Podman("pull", "oci:" + layout + ":v1");
        var id = podman.Podman("images", "--quiet", "--no-trunc").Trim().Split('\n')[0].Replace("sha256:", "", StringComparison.Ordinal);
        podman.Podman("tag", id, "localhost/comb-test/store:v1");
        containerd.Ctr("images", "import", "--snapshotter", "native", "--base-name", "example.test/comb/store", archive);

        var fromLayout = await ScanAsync("oci:" + layout + ":v1");
        var fromPodman = await ScanAsync("containers-storage:comb-test/store:v1", "--storage-root", podman.Root);
        var fromContainerd = await ScanAsync("containerd:example.test/comb/store:v1", "--containerd-root", containerd.Root);

        // The image really carries findings, so equal reports are not equal by being empty.
        Assert.NotEmpty(fromLayout["vulnerabilities"]!.AsArray());
        Assert.NotEmpty(fromLayout["secrets"]!.AsArray());
        Assert.Contains(fromLayout["malware"]!.AsArray(), m => m!["path"]!.GetValue<string>() == "var/www/html/up.php");

        // The second layer made app/conf opaque: the secret below it is one of a file deleted later, from every source
        // (the stores keep the layer's .wh..wh..opq entry in their tar-split records, as the layer had it).
        var hidden = Assert.Single(fromLayout["secrets"]!.AsArray(), x => x!["path"]!.GetValue<string>() == "app/conf/old.env")!;
        Assert.True(hidden["deletedInLaterLayer"]!.GetValue<bool>());
        Assert.Equal(Comparable(fromLayout), Comparable(fromPodman));
        Assert.Equal(Comparable(fromLayout), Comparable(fromContainerd));
        Assert.Equal("localhost/comb-test/store", fromPodman["image"]!["repository"]!.GetValue<string>());
        Assert.Equal("example.test/comb/store", fromContainerd["image"]!["repository"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_store_image_is_found_by_digest_and_inspected_with_the_manifest_layer_digests()
    {
        ContainerTools.Require("podman", "runc");
        using var podman = new PodmanStore();
        var layout = Path.Combine(podman.Dir, "layout");
        var built = Image("<?php echo 1; ?>"u8.ToArray()).Build();
        Image("<?php echo 1; ?>"u8.ToArray()).WriteOciLayout(layout, "v1");
        podman.Podman("pull", "oci:" + layout + ":v1");
        var id = podman.Podman("images", "--quiet", "--no-trunc").Trim().Split('\n')[0].Replace("sha256:", "", StringComparison.Ordinal);
        podman.Podman("tag", id, "localhost/comb-test/inspect:v1");

        var (code, stdout, stderr) = await Cli.RunAsync("image", "inspect", $"containers-storage:comb-test/inspect@{built.ManifestDigest}", "--storage-root", podman.Root, "--format", "json");

        Assert.True(code == 0, stderr);
        var view = JsonNode.Parse(stdout)!;
        Assert.Equal(built.ManifestDigest, view["digest"]!.GetValue<string>());
        Assert.Equal(built.Layers.Select(l => l.Digest), view["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()));
        Assert.Equal(built.Layers.Select(l => l.DiffId), view["layers"]!.AsArray().Select(l => l!["diffId"]!.GetValue<string>()));

        var (missing, _, missingErr) = await Cli.RunAsync("image", "inspect", "containers-storage:comb-test/nothing:v1", "--storage-root", podman.Root);
        Assert.Equal(2, missing);
        Assert.Contains("no image 'comb-test/nothing:v1'", missingErr, StringComparison.Ordinal);
    }

    private async Task<JsonNode> ScanAsync(string reference, params string[] extra)
    {
        var (code, stdout, stderr) = await Cli.RunAsync(["scan", reference, "--format", "json", "--cache-dir", cache.Dir, "-q", "--no-store", .. extra]);
        Assert.True(code == 0, $"scan {reference} exited {code}: {stderr}");
        return JsonNode.Parse(stdout)!;
    }

    /// <summary>The report without what names the source (reference, repository, tag) or the time.</summary>
    private static string Comparable(JsonNode report)
    {
        var copy = report.DeepClone().AsObject();
        copy.Remove("createdAt");
        var image = copy["image"]!.AsObject();
        image.Remove("reference");
        image.Remove("repository");
        image.Remove("tag");
        image.Remove("sourceKind");
        return copy.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
