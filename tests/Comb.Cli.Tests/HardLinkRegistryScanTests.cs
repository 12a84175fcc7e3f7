using System.Text.Json.Nodes;
using Comb.Testing.Registry;

namespace Comb.Cli.Tests;

/// <summary>
/// A wanted hard link's target is read by opening its layer again from the start; from a registry that is a second
/// download of the layer blob, with the same client (and, with token auth, the same or a renewed token). The image of
/// <see cref="HardLinkScanReportTests"/> is pushed to a real registry, scanned by reference through a counting proxy
/// and as an OCI layout of the same bytes: the two reports must find the same, and the layers with wanted links
/// must have been downloaded twice, the others once.
/// </summary>
public sealed class HardLinkRegistryScanTests(ScanFixture fixture) : IClassFixture<ScanFixture>
{
    private const string Repository = "links/app";
    private const string Scanners = "vuln,secret";

    [Theory]
    [InlineData(RegistryMode.Anonymous)]
    [InlineData(RegistryMode.Token)]
    public async Task A_registry_scan_reads_hard_links_by_downloading_the_layer_again_and_reports_what_the_layout_scan_reports(RegistryMode mode)
    {
        fixture.RequireDb();
        var ct = TestContext.Current.CancellationToken;
        var layout = Path.Combine(fixture.Root, "registry-links-" + mode);
        HardLinkScanReportTests.Image().WriteOciLayout(layout);
        var layers = await LayerDigestsAsync(layout, ct);

        await using var registry = await RegistryServer.StartAsync(mode, ct);
        await PushLayoutAsync(registry, layout, ct);
        await using var proxy = FaultInjectingProxy.Start(registry.Host, static (_, _) => Task.FromResult(false));

        // Each scan gets a cache of its own: a layer cache shared by the two would hand the second scan the first's facts.
        var fromLayout = await ScanAsync(["oci:" + layout], "layout-" + mode);
        string[] credentials = registry.NeedsCredentials ? ["--username", RegistryServer.Username, "--password", RegistryServer.Password] : [];
        var fromRegistry = await ScanAsync([$"{proxy.Host}/{Repository}:1.0", "--insecure-registry", .. credentials], "registry-" + mode);

        Assert.Equal("registry", fromRegistry["image"]!["sourceKind"]!.GetValue<string>());
        foreach (var section in new[] { "os", "packageSets", "vulnerabilities", "secrets", "malware", "misconfigurations", "diagnostics" })
        {
            Assert.Equal(fromLayout[section]?.ToJsonString(), fromRegistry[section]?.ToJsonString());
        }

        Assert.Equal(fromLayout["image"]!["layers"]!.ToJsonString(), fromRegistry["image"]!["layers"]!.ToJsonString());

        // The hard links' packages were found in the registry scan: the npm one at the link's own path, with its
        // vulnerable version, and the Python requirements read through a link.
        var sets = fromRegistry["packageSets"]!.AsArray();
        Assert.Contains(sets, s => s!["filePath"]!.GetValue<string>() == "srv/copy/node_modules/lodash/package.json"
            && s["packages"]!.AsArray().Any(p => p!["name"]!.GetValue<string>() == "lodash" && p["version"]!.GetValue<string>() == "4.17.15"));
        Assert.Contains(sets, s => s!["filePath"]!.GetValue<string>() == "srv/copy/requirements.txt"
            && s["packages"]!.AsArray().Any(p => p!["name"]!.GetValue<string>() == "django"));
        Assert.Contains(fromRegistry["vulnerabilities"]!.AsArray(), v => v!.ToJsonString().Contains("srv/copy/node_modules/lodash/package.json", StringComparison.Ordinal));

        // The base layer has no wanted links and is downloaded once; the two layers with links to their own earlier
        // entries are downloaded again for the targets' bytes.
        int Downloads(string digest) => proxy.Hits.GetValueOrDefault($"/v2/{Repository}/blobs/{digest}");
        Assert.Equal(new[] { 1, 2, 2 }, layers.Select(Downloads).ToArray());
    }

    private async Task<JsonNode> ScanAsync(string[] target, string name)
    {
        var cache = Path.Combine(fixture.Root, "registry-links-cache-" + name);
        ColdScanReportTests.CopyDatabase(fixture.CacheDir, cache);
        var (code, stdout, err) = await CliRunner.RunAsync(["scan", .. target, "--scanners", Scanners, "--format", "json", "--no-store", "--cache-dir", cache]);
        Assert.True(code is 0 or 1, err);
        return JsonNode.Parse(ColdScanReportTests.Normalize(stdout))!;
    }

    private static async Task<List<string>> LayerDigestsAsync(string layout, CancellationToken ct)
    {
        var manifest = JsonNode.Parse(await File.ReadAllBytesAsync(BlobPath(layout, ManifestDigest(layout)), ct))!;
        return [.. manifest["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>())];
    }

    // The layout's own blobs are pushed, so both scans read the very same bytes.
    private static async Task PushLayoutAsync(RegistryServer registry, string layout, CancellationToken ct)
    {
        using var client = registry.CreateClient();
        var manifestDigest = ManifestDigest(layout);
        var manifestBytes = await File.ReadAllBytesAsync(BlobPath(layout, manifestDigest), ct);
        var manifest = JsonNode.Parse(manifestBytes)!;
        var blobs = manifest["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()).Append(manifest["config"]!["digest"]!.GetValue<string>());
        foreach (var digest in blobs)
        {
            await client.PushBlobAsync(Repository, digest, await File.ReadAllBytesAsync(BlobPath(layout, digest), ct), ct);
        }

        var pushed = await client.PutManifestAsync(Repository, "1.0", manifest["mediaType"]!.GetValue<string>(), manifestBytes, ct);
        Assert.Equal(manifestDigest, pushed);
    }

    private static string ManifestDigest(string layout) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!["manifests"]![0]!["digest"]!.GetValue<string>();

    private static string BlobPath(string layout, string digest) => Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..]);
}
