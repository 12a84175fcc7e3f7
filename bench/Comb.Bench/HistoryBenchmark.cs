using System.Diagnostics;
using Comb.Cli;
using Comb.Contracts;
using Comb.Engine;
using Comb.Storage;
using Comb.Testing.Images;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Bench;

/// <summary>
/// Fills a scan store with SCANS scans of IMAGES distinct images generated from a real inventory (the Debian
/// test image as Comb reads it), then times history and impact queries and `rescan --all` against the advisory
/// database, per 1,000 images, next to the cost of a naive rescan (pull and analyze every image again).
/// </summary>
internal static class HistoryBenchmark
{
    public static async Task RunAsync(string work, string[] args)
    {
        var images = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1000;
        var scansPerImage = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
        var store = args.Length > 2 ? args[2] : Path.Combine(work, "history.db");
        var cacheDir = Environment.GetEnvironmentVariable("COMB_CACHE_DIR") ?? Path.Combine(work, "cache");

        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var scanner = services.GetRequiredService<ImageScanner>();
        var reference = DebianImage.RequireReference();
        var baseOptions = new ScanOptions { CacheDir = cacheDir, NoStore = true, Scanners = new HashSet<string>() };
        var sw = Stopwatch.StartNew();
        var inventory = await scanner.InventoryAsync(reference, baseOptions, null, CancellationToken.None);
        var coldImage = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"real inventory: {inventory.Packages.Count()} packages from {reference} (cold scan {coldImage:F1} s)");

        var scans = await ScanStore.OpenAsync(store, CancellationToken.None);
        sw.Restart();
        var random = new Random(7);
        var start = DateTimeOffset.UtcNow.AddDays(-scansPerImage);
        for (var round = 0; round < scansPerImage; round++)
        {
            for (var i = 0; i < images; i++)
            {
                await scans.RecordAsync(Variant(inventory, i, round, random, start.AddDays(round).AddSeconds(i)), CancellationToken.None);
            }
        }

        var fill = sw.Elapsed.TotalSeconds;
        var total = images * scansPerImage;
        var probe = inventory.Packages.First(p => p.Name.StartsWith("lib", StringComparison.Ordinal));

        var history = QueryTiming.Median(5, () => scans.ListAsync(new HistoryQuery { Image = "bench.example/app-17" }, CancellationToken.None));
        var historyAll = QueryTiming.Median(5, () => scans.ListAsync(new HistoryQuery { Limit = 100 }, CancellationToken.None));
        var impactPackage = QueryTiming.Median(5, () => scans.ImpactByPackageAsync(probe.Name, probe.Version, CancellationToken.None));
        var impactVuln = QueryTiming.Median(5, () => scans.ImpactByVulnerabilityAsync("CVE-2099-0017", CancellationToken.None));

        var rescanOptions = new ScanOptions { CacheDir = cacheDir, Scanners = new HashSet<string>([Scanners.Vuln]), StorePath = store, DbPath = Environment.GetEnvironmentVariable("COMB_BENCH_DB") };
        sw.Restart();
        string rescanNote;
        try
        {
            var results = await new Rescanner(scans, (inv, o, ct) => scanner.RunStagesAsync(inv, o, ct)).RescanAsync(null, rescanOptions, CancellationToken.None);
            rescanNote = $"{sw.Elapsed.TotalSeconds * 1000 / images:F1} s per 1,000 images ({results.Count} images, {results.Sum(r => r.NewlyVulnerable.Count)} newly vulnerable findings)";
        }
        catch (CombInputException ex)
        {
            rescanNote = "not measured: " + ex.Message;
        }

        Console.WriteLine();
        Console.WriteLine($"| measure ({total:N0} scans of {images:N0} images) | value |");
        Console.WriteLine("| --- | ---: |");
        Console.WriteLine($"| fill the store | {fill:F1} s ({total / fill:F0} scans/s) |");
        Console.WriteLine($"| `history REPO` | {history:F1} ms |");
        Console.WriteLine($"| `history` (latest 100) | {historyAll:F1} ms |");
        Console.WriteLine($"| `impact PACKAGE@VERSION` | {impactPackage:F1} ms |");
        Console.WriteLine($"| `impact CVE` | {impactVuln:F1} ms |");
        Console.WriteLine($"| `rescan --all` | {rescanNote} |");
        Console.WriteLine($"| naive rescan (cold scan of this image x 1,000) | {coldImage * 1000 / 60:F0} min per 1,000 images, before any pull time |");
    }

    /// <summary>The real inventory with some versions changed per image, like a fleet of builds, scanned again each round.</summary>
    private static ScanReport Variant(ImageInventory inventory, int image, int round, Random random, DateTimeOffset at)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{image}")));
        var sets = inventory.PackageSets.Select(set => set with
        {
            Packages = [.. set.Packages.Select((p, n) => n % 7 == image % 7 ? p with { Version = p.Version + "+b" + (image % 5) } : p)],
        }).ToList();
        var vulns = image % 10 == 7
            ? [new VulnerabilityFinding { Id = "CVE-2099-0017", PackageName = sets[0].Packages[0].Name, PackageType = sets[0].Packages[0].Type, InstalledVersion = sets[0].Packages[0].Version, Severity = Severity.High }]
            : Array.Empty<VulnerabilityFinding>();
        return new ScanReport
        {
            CreatedAt = at,
            ToolVersion = "bench",
            Image = inventory.Image with { Reference = $"bench.example/app-{image}:1", Registry = "bench.example", Repository = $"app-{image}", Tag = "1", ManifestDigest = digest },
            Os = inventory.Os,
            PackageSets = sets,
            Vulnerabilities = vulns,
            Trigger = "bench",
        };
    }
}
