using System.Diagnostics;
using System.Globalization;
using Comb.Cli;
using Comb.Contracts;
using Comb.Engine;
using Comb.Engine.Walk;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Bench;

/// <summary>
/// Inventory of a large generated image (thousands of packages across ecosystems, plus media and data no analyzer
/// needs): total time, the time spent reading and decompressing layers against the time in analyzers, and the bytes
/// analyzers were handed against the layers' size. Cold runs use a fresh layer cache each; the median is reported.
/// </summary>
internal static class InventoryBenchmark
{
    public static async Task RunAsync(string work, string[] args)
    {
        var scale = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
        var noiseMiB = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var layout = Path.Combine(work, "image");
        var build = Stopwatch.StartNew();
        var counts = InventoryImage.Build(layout, scale, noiseMiB);
        var compressed = Directory.EnumerateFiles(Path.Combine(layout, "blobs", "sha256")).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"image built in {build.Elapsed.TotalSeconds:F1} s: {compressed / 1048576.0:F0} MiB compressed; generated {counts}");

        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var scanner = services.GetRequiredService<ImageScanner>();
        var options = new ScanOptions { NoStore = true, Scanners = new HashSet<string>() };

        var cold = new List<(double Seconds, WalkMetrics Metrics, ImageInventory Inventory)>();
        for (var run = 0; run < runs; run++)
        {
            var metrics = new WalkMetrics();
            var sw = Stopwatch.StartNew();
            var inventory = await scanner.InventoryAsync("oci:" + layout, options with { CacheDir = Path.Combine(work, $"cache{run}") }, null, metrics, CancellationToken.None);
            cold.Add((sw.Elapsed.TotalSeconds, metrics, inventory));
            Console.WriteLine($"cold run {run + 1}: {sw.Elapsed.TotalSeconds:F2} s");
        }

        var warmWatch = Stopwatch.StartNew();
        await scanner.InventoryAsync("oci:" + layout, options with { CacheDir = Path.Combine(work, "cache0") }, null, CancellationToken.None);
        var warm = warmWatch.Elapsed.TotalSeconds;

        var median = cold.OrderBy(c => c.Seconds).ElementAt(cold.Count / 2);
        var m = median.Metrics;
        var packages = median.Inventory.Packages.ToList();
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("| --- | ---: |");
        Console.WriteLine($"| layers / compressed / uncompressed | {m.LayersWalked} / {compressed / 1048576.0:F0} MiB / {m.LayerBytes / 1048576.0:F0} MiB |");
        Console.WriteLine($"| packages found | {packages.Count:N0} |");
        Console.WriteLine($"| cold inventory: median of {cold.Count} (best; first run, with JIT) | {median.Seconds:F2} s ({cold.Min(c => c.Seconds):F2} s; {cold[0].Seconds:F2} s) |");
        Console.WriteLine($"| warm inventory (layer cache) | {warm:F3} s |");
        Console.WriteLine($"| layer walks, summed over layers (parallel) | {m.WalkTime.TotalSeconds:F2} s |");
        Console.WriteLine($"| reading + decompressing the tar streams | {m.ReadTime.TotalSeconds:F2} s |");
        Console.WriteLine($"| inside analyzers, summed over calls (parallel workers) | {m.AnalyzerTime.TotalSeconds:F2} s |");
        Console.WriteLine($"| share of read vs analyze | {Share(m.ReadTime, m.AnalyzerTime)} |");
        Console.WriteLine($"| files handed to analyzers / all entries | {m.FilesToAnalyzers:N0} / {m.Entries:N0} |");
        Console.WriteLine($"| bytes handed to analyzers / layer bytes | {m.BytesToAnalyzers / 1048576.0:F1} MiB / {m.LayerBytes / 1048576.0:F0} MiB ({100.0 * m.BytesToAnalyzers / Math.Max(1, m.LayerBytes):F1} %) |");
        Console.WriteLine();
        Console.WriteLine("| packages by type | count |");
        Console.WriteLine("| --- | ---: |");
        foreach (var group in packages.GroupBy(p => p.Type).OrderByDescending(g => g.Count()))
        {
            Console.WriteLine($"| {group.Key} | {group.Count():N0} |");
        }

        Console.WriteLine();
        Console.WriteLine("| analyzer | calls | time (s) | bytes read |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var a in m.Analyzers.Take(14))
        {
            Console.WriteLine($"| {a.Id} | {a.Calls:N0} | {a.Time.TotalSeconds:F2} | {a.Bytes / 1048576.0:F1} MiB |");
        }
    }

    private static string Share(TimeSpan read, TimeSpan analyze)
    {
        var total = read + analyze;
        return total == TimeSpan.Zero ? "-" : $"{100 * read / total:F0} % read, {100 * analyze / total:F0} % analyzers";
    }
}
