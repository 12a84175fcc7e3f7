using System.Collections.Concurrent;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Comb.Contracts;
using Comb.Engine.Cache;
using Comb.Reporting;
using Comb.Testing;
using Comb.Testing.Images;
using Comb.VulnDb.Database;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Engine.Tests;

/// <summary>
/// A warm scan (every layer read from the cache, whose paths and file digests are decoded only when asked for) gives
/// the report a cold scan gives, for every scanner set: a Debian-shaped base layer (dpkg status, file lists, md5sums),
/// npm packages with published advisories, a credential, a package file a later layer changes, and later layers that
/// overwrite and delete earlier files.
/// </summary>
public sealed class WarmScanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-warm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> ScannerSets => new() { "vuln", "vuln,secret", "vuln,secret,malware,config" };

    [Theory]
    [MemberData(nameof(ScannerSets))]
    public async Task A_warm_scan_reports_exactly_what_the_cold_scan_reported(string scanners)
    {
        var db = await AdvisoryDbAsync();
        new TestImage().Layer(Base).Layer(App).Layer(Changes)
            .Config(c => c["Env"] = new JsonArray("PATH=/usr/bin:/bin", "AWS_ACCESS_KEY_ID=AKIAQ4NW7RTX2UIOPB3T"))
            .WriteOciLayout(Path.Combine(_dir, "img"));
        var image = "oci:" + Path.Combine(_dir, "img");
        var options = new ScanOptions
        {
            CacheDir = Path.Combine(_dir, "cache"),
            DbPath = db,
            NoStore = true,
            Scanners = new HashSet<string>(scanners.Split(','), StringComparer.Ordinal),
        };

        var (cold, coldCached) = await ScanAsync(image, options);
        var (warm, warmCached) = await ScanAsync(image, options);

        Assert.Equal(0, coldCached);
        Assert.Equal(3, warmCached);
        Assert.Equal(cold, warm);

        // The reports hold what each scanner set should find, so an empty report cannot pass for a faithful one.
        var report = JsonNode.Parse(cold)!;
        Assert.Contains(report["vulnerabilities"]!.AsArray(), v => (string?)v!["packageName"] == "lodash");
        var packages = report["packageSets"]!.AsArray().SelectMany(s => s!["packages"]!.AsArray()).ToList();
        Assert.Contains(packages, p => (string?)p!["name"] == "tar" && p["installedFiles"]!.AsArray().Any(f => (string?)f == "/usr/bin/tar"));
        Assert.DoesNotContain(packages, p => (string?)p!["name"] == "minimist" && (string?)p["version"] == "1.2.5");
        Assert.Contains(packages, p => (string?)p!["name"] == "minimist");
        Assert.DoesNotContain(packages, p => (string?)p!["name"] == "ws");
        var secrets = report["secrets"]!.AsArray();
        Assert.Equal(scanners.Contains("secret", StringComparison.Ordinal), secrets.Any(s => (bool?)s!["deletedInLaterLayer"] == true));
        Assert.Equal(scanners.Contains("secret", StringComparison.Ordinal), secrets.Any(s => (string?)s!["path"] == "ENV"));
        Assert.Equal(scanners.Contains("malware", StringComparison.Ordinal),
            report["malware"]!.AsArray().Any(m => (string?)m!["path"] == "usr/bin/tar" && (string?)m["category"] == "modified-package-file"));
    }

    [Fact]
    public async Task An_entry_with_a_corrupt_deferred_section_or_of_an_older_format_is_a_miss()
    {
        var cache = new LayerCache(Path.Combine(_dir, "cache"));
        var diff = "sha256:" + new string('a', 64);
        var facts = new LayerFacts
        {
            DiffId = diff,
            Digest = "sha256:" + new string('b', 64),
            Paths = ["etc", "etc/passwd", "usr/bin/tar"],
            Details = [new PackageDetail { Path = "var/lib/dpkg/info/tar.md5sums", Kind = "dpkg", PackageName = "tar", FileDigests = new Dictionary<string, string> { ["usr/bin/tar"] = "md5:" + new string('c', 32) } }],
        };
        await cache.PutAsync("k", facts, Ct);
        var entry = Directory.EnumerateFiles(cache.LayersDir, "*.layer", SearchOption.AllDirectories).Single();
        var whole = File.ReadAllBytes(entry);

        var read = await cache.GetAsync(diff, "k", Ct);
        Assert.NotNull(read);
        Assert.Equal(facts.Paths, read.Paths);
        Assert.Equal("md5:" + new string('c', 32), read.Details.Single().FileDigests!["usr/bin/tar"]);

        // The last bytes belong to the deferred digest section: a reader of the core alone would not notice the damage.
        var corrupt = (byte[])whole.Clone();
        corrupt[^3] ^= 0x40;
        File.WriteAllBytes(entry, corrupt);
        Assert.Null(await cache.GetAsync(diff, "k", Ct));
        Assert.False(File.Exists(entry));

        foreach (var torn in new[] { whole[..(whole.Length / 2)], whole[..^1], [.. whole, 0] })
        {
            File.WriteAllBytes(entry, torn);
            Assert.Null(await cache.GetAsync(diff, "k", Ct));
        }

        // The gzip JSON of format 2 under this name (it never is: the key names the format) still reads as a miss.
        using (var old = new MemoryStream())
        {
            using (var gzip = new GZipStream(old, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { DiffId = diff, Digest = facts.Digest })));
            }

            File.WriteAllBytes(entry, old.ToArray());
        }

        Assert.Null(await cache.GetAsync(diff, "k", Ct));
        Assert.Null(await cache.GetAsync("sha256:" + new string('d', 64), "k", Ct));
    }

    [Fact]
    public void The_cache_key_names_the_format_so_entries_of_older_versions_are_never_read()
    {
        var text = "v2|" + string.Join('|', new[] { "a@1", "b@2" });
        var formatTwo = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

        Assert.NotEqual(formatTwo, LayerCache.AnalyzerSetKey(["a@1", "b@2"]));
    }

    /// <summary>One scan in its own engine (as a new process would), the JSON report without its time stamp, and how many layers came from the cache.</summary>
    private static async Task<(string Report, int Cached)> ScanAsync(string image, ScanOptions options)
    {
        var cached = new ConcurrentBag<string>();
        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var scanner = services.GetRequiredService<ImageScanner>();
        var report = await scanner.ScanAsync(image, options, new Collect(p =>
        {
            if (p.Stage == "layer-cached")
            {
                cached.Add(p.Layer!);
            }
        }), Ct);
        using var json = new MemoryStream();
        await new JsonReportWriter().WriteAsync(report, json, Ct);
        var node = JsonNode.Parse(json.ToArray())!.AsObject();
        node.Remove("createdAt");
        return (node.ToJsonString(), cached.Count);
    }

    private sealed class Collect(Action<ScanProgress> report) : IProgress<ScanProgress>
    {
        public void Report(ScanProgress value) => report(value);
    }

    /// <summary>An advisory database of the real npm advisories (the shared test data), built once per test.</summary>
    private async Task<string> AdvisoryDbAsync()
    {
        var data = SharedData.RootOrNull is { } root ? Path.Combine(root, "vulndb", "osv", "npm", "all.zip") : null;
        Assert.SkipWhen(data is null || !File.Exists(data), "Shared test data not found: expected ../shared/data/vulndb beside the repository (or COMB_SHARED_DATA).");
        var feeds = Path.Combine(_dir, "feeds", "osv", "npm");
        Directory.CreateDirectory(feeds);
        File.Copy(data, Path.Combine(feeds, "all.zip"));
        var db = Path.Combine(_dir, "db", "comb.db");
        await new DbImporter().ImportAsync(Path.Combine(_dir, "feeds"), db, Ct);
        return db;
    }

    private const UnixFileMode Executable = (UnixFileMode)0b111_101_101;

    private static readonly string TarBinary = "tar binary as packaged\n";

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));

    private static void Base(TestLayer layer) => layer
        .File("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")
        .File("var/lib/dpkg/status", """
            Package: tar
            Status: install ok installed
            Architecture: amd64
            Version: 1.34+dfsg-1.2+deb12u1

            Package: gzip
            Status: install ok installed
            Architecture: amd64
            Version: 1.12-1

            """.Replace("\r", "", StringComparison.Ordinal))
        .File("var/lib/dpkg/info/tar.list", "/.\n/usr\n/usr/bin\n/usr/bin/tar\n/usr/share/doc/tar\n")
        .File("var/lib/dpkg/info/tar.md5sums", $"{Md5(TarBinary)}  usr/bin/tar\n")
        .File("var/lib/dpkg/info/gzip.list", "/.\n/usr\n/usr/bin\n/usr/bin/gzip\n")
        .File("var/lib/dpkg/info/gzip.md5sums", $"{Md5("gzip binary\n")}  usr/bin/gzip\n")
        .File("usr/bin/tar", TarBinary, Executable)
        .File("usr/bin/gzip", "gzip binary\n", Executable)
        .File("usr/share/doc/tar/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: GPL-3+\n");

    private static void App(TestLayer layer) => layer
        .File("srv/app/package.json", """{"name":"app","version":"1.0.0","dependencies":{"lodash":"4.17.15","minimist":"1.2.5"}}""")
        .File("srv/app/node_modules/lodash/package.json", """{"name":"lodash","version":"4.17.15","license":"MIT"}""")
        .File("srv/app/node_modules/minimist/package.json", """{"name":"minimist","version":"1.2.5","license":"MIT"}""")
        .File("srv/app/node_modules/ws/package.json", """{"name":"ws","version":"7.4.0","license":"MIT"}""")
        .File("srv/app/config/.env", "AWS_ACCESS_KEY_ID=AKIAZ7QW3RTY5UIOPA2S\nAWS_SECRET_ACCESS_KEY=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\n");

    private static void Changes(TestLayer layer) => layer
        .File("usr/bin/tar", "tar binary, changed after install\n", Executable)
        .File("srv/app/node_modules/minimist/package.json", """{"name":"minimist","version":"1.2.8","license":"MIT"}""")
        .File("srv/app/node_modules/ws/package.json", "overwritten, no longer a package manifest\n")
        .Whiteout("srv/app/config/.env");
}
