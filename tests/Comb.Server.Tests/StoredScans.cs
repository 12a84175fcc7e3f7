using System.IO.Compression;
using System.Text;
using Comb.Contracts;
using Comb.Engine;
using Comb.Testing.Images;
using Comb.VulnDb.Database;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

/// <summary>
/// Real history in a server's store: an advisory database imported from a small OSV feed built here, and small
/// images built in code, scanned by the server's own engine into the server's store.
/// </summary>
internal static class StoredScans
{
    public const string LodashAdvisory = "GHSA-p6mc-m468-83gw";
    public const string LodashCve = "CVE-2020-8203";

    public static string LockFile(string lodashVersion) => $$"""
        {
          "name": "shop", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
          "packages": {
            "": { "name": "shop", "version": "1.0.0", "dependencies": { "lodash": "^4.17.0" } },
            "node_modules/lodash": { "version": "{{lodashVersion}}", "resolved": "https://registry.npm.example/lodash/-/lodash-{{lodashVersion}}.tgz" }
          }
        }
        """;

    /// <summary>Imports the advisory database into the server's cache: with the lodash advisory, or only an unrelated one.</summary>
    public static async Task ImportDbAsync(ServerFactory server, bool withLodash, TimeProvider? time, CancellationToken ct)
    {
        var feeds = Path.Combine(server.Root, "feeds-" + Guid.NewGuid().ToString("N")[..8]);
        var npm = Directory.CreateDirectory(Path.Combine(feeds, "osv", "npm")).FullName;
        using (var zip = ZipFile.Open(Path.Combine(npm, "all.zip"), ZipArchiveMode.Create))
        {
            Add(zip, "GHSA-aaaa-bbbb-cccc", "CVE-2099-0001", "left-pad", "1.3.1");
            if (withLodash)
            {
                Add(zip, LodashAdvisory, LodashCve, "lodash", "4.17.19");
            }
        }

        var cacheDir = server.Services.GetRequiredService<ServerLocations>().CacheDir;
        await new DbImporter(time).ImportAsync(feeds, AdvisoryDbLocation.Resolve(null, cacheDir), ct);
    }

    /// <summary>Writes an OCI layout of a one-layer image with a lodash lock file; returns its reference.</summary>
    public static string BuildImage(ServerFactory server, string name, string lodashVersion)
    {
        var dir = Path.Combine(server.Root, "images", name);
        new TestImage()
            .Layer(l => l.By("ADD app /app").File("app/package-lock.json", LockFile(lodashVersion)))
            .Layer(l => l.By("RUN echo ready").File("etc/ready", "yes\n"))
            .WriteOciLayout(dir);
        return "oci:" + dir;
    }

    /// <summary>Scans an image with the server's engine and records it in the server's store; returns the stored report.</summary>
    public static async Task<ScanReport> ScanAsync(ServerFactory server, string reference, CancellationToken ct)
    {
        var locations = server.Services.GetRequiredService<ServerLocations>();
        var scanner = server.Services.GetRequiredService<ImageScanner>();
        var report = await scanner.ScanAsync(reference, new ScanOptions { CacheDir = locations.CacheDir, StorePath = locations.Store, Trigger = "test" }, null, ct);
        Assert.NotNull(report.ScanId);
        return report;
    }

    private static void Add(ZipArchive zip, string id, string cve, string package, string fixedIn)
    {
        var json = $$$"""
            {"id": "{{{id}}}", "aliases": ["{{{cve}}}"], "modified": "2024-01-01T00:00:00Z", "summary": "{{{package}}} advisory",
             "affected": [{"package": {"ecosystem": "npm", "name": "{{{package}}}"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "{{{fixedIn}}}"}]}]}],
             "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}]}
            """;
        using var writer = new StreamWriter(zip.CreateEntry(id + ".json").Open(), new UTF8Encoding(false));
        writer.Write(json);
    }
}
