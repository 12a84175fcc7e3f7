using System.Diagnostics;
using System.IO.Compression;
using Comb.Cli;
using Comb.Contracts;
using Comb.Engine;
using Comb.Testing.Images;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Bench;

/// <summary>
/// Layer-read throughput next to `gzip -dc` of the same layers, a bare GZipStream read, and a cached rescan
/// next to a cold scan, on a large multi-layer image (the Debian rootfs plus generated application layers).
/// </summary>
internal static class IntakeBenchmark
{
    public static async Task RunAsync(string work, string[] args)
    {
        var layers = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 6;
        var mbPerLayer = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 120;
        var layout = Path.Combine(work, "image");
        var blobs = BuildImage(layout, layers, mbPerLayer);
        var compressed = blobs.Sum(b => new FileInfo(b).Length);
        Console.WriteLine($"image: {blobs.Count} layers, {compressed / 1048576.0:F0} MiB compressed");

        var gzipDc = Time(() => RunGzip(blobs));
        var bare = Time(() => BareGzipRead(blobs));

        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var scanner = services.GetRequiredService<ImageScanner>();
        var cache = Path.Combine(work, "cache");
        var options = new ScanOptions { CacheDir = cache, NoStore = true, Scanners = new HashSet<string>([Scanners.Secret, Scanners.Malware]) };
        var inventoryOnly = options with { Scanners = new HashSet<string>() };

        var coldInventory = await TimeAsync(() => scanner.InventoryAsync("oci:" + layout, inventoryOnly, null, CancellationToken.None));
        var warmInventory = await TimeAsync(() => scanner.InventoryAsync("oci:" + layout, inventoryOnly, null, CancellationToken.None));
        Directory.Delete(cache, recursive: true);
        var coldAll = await TimeAsync(() => scanner.InventoryAsync("oci:" + layout, options, null, CancellationToken.None));
        var warmAll = await TimeAsync(() => scanner.InventoryAsync("oci:" + layout, options, null, CancellationToken.None));

        // Each scanner on its own, to see which one costs what over the inventory walk.
        Directory.Delete(cache, recursive: true);
        var coldSecret = await TimeAsync(() => scanner.InventoryAsync("oci:" + layout, options with { Scanners = new HashSet<string>([Scanners.Secret]) }, null, CancellationToken.None));
        Directory.Delete(cache, recursive: true);
        var coldMalware = await TimeAsync(() => scanner.InventoryAsync("oci:" + layout, options with { Scanners = new HashSet<string>([Scanners.Malware]) }, null, CancellationToken.None));

        // The first scan in a process also compiles the secret rules' regexes and JIT-compiles them: a CLI run pays
        // that once, a server once for all its scans. A second cold scan shows the cost without it.
        Directory.Delete(cache, recursive: true);
        var coldAllAgain = await TimeAsync(() => scanner.InventoryAsync("oci:" + layout, options, null, CancellationToken.None));

        Console.WriteLine();
        Console.WriteLine("| measure | seconds | ratio |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine($"| gzip -dc of the layers | {gzipDc:F2} | 1.00 |");
        Console.WriteLine($"| bare GZipStream read | {bare:F2} | {bare / gzipDc:F2} |");
        Console.WriteLine($"| Comb cold scan, inventory analyzers | {coldInventory:F2} | {coldInventory / gzipDc:F2} |");
        Console.WriteLine($"| Comb warm rescan, inventory analyzers | {warmInventory:F3} | {warmInventory / coldInventory:F3} of cold |");
        Console.WriteLine($"| Comb cold scan, + secret and malware analyzers | {coldAll:F2} | {coldAll / gzipDc:F2} |");
        Console.WriteLine($"| Comb warm rescan, + secret and malware analyzers | {warmAll:F3} | {warmAll / coldAll:F3} of cold |");
        Console.WriteLine($"| Comb cold scan, + secret and malware analyzers, second in the process | {coldAllAgain:F2} | {coldAllAgain / gzipDc:F2} |");
        Console.WriteLine($"| Comb cold scan, + secret analyzer only | {coldSecret:F2} | {coldSecret / gzipDc:F2} |");
        Console.WriteLine($"| Comb cold scan, + malware analyzer only | {coldMalware:F2} | {coldMalware / gzipDc:F2} |");
        Console.WriteLine($"| peak resident memory of a cold `comb scan` process (all analyzers) | {ChildPeakRssMiB(layout, Path.Combine(work, "cache-child")):F0} MiB | |");
    }

    private static List<string> BuildImage(string layout, int layers, int mbPerLayer)
    {
        var image = new TestImage();
        var rootfs = Path.Combine(DebianImage.CacheDir, "debian-bookworm-rootfs.tar");
        var random = new Random(42);
        for (var i = 0; i < layers; i++)
        {
            var layer = new TestLayer().By($"RUN build step {i}");
            var written = 0L;
            var file = 0;
            while (written < mbPerLayer * 1048576L)
            {
                // A mix like real application layers: text sources and manifests, and compressed-looking binaries.
                if (file % 4 == 3)
                {
                    var data = new byte[random.Next(64 * 1024, 2 * 1024 * 1024)];
                    random.NextBytes(data);
                    layer.File($"opt/app{i}/lib/blob{file}.so", data, (UnixFileMode)0b111_101_101);
                    written += data.Length;
                }
                else
                {
                    var text = TextFile(random, random.Next(2 * 1024, 96 * 1024));
                    layer.File($"opt/app{i}/src/module{file}/index.js", text);
                    written += text.Length;
                }

                file++;
            }

            image.Layer(layer);
        }

        image.WriteOciLayout(layout);
        var blobsDir = Path.Combine(layout, "blobs", "sha256");
        var blobs = Directory.EnumerateFiles(blobsDir).Where(IsGzip).ToList();
        if (File.Exists(rootfs))
        {
            Console.WriteLine($"base layer: Debian rootfs {new FileInfo(rootfs).Length / 1048576} MiB (scanned separately below)");
        }

        return blobs;
    }

    private static string TextFile(Random random, int size)
    {
        var words = new[] { "const", "function", "return", "module", "exports", "require", "value", "token", "config", "=", "{", "}", "(", ")", ";", "\n", "if", "else", "await", "async" };
        var sb = new System.Text.StringBuilder(size + 16);
        while (sb.Length < size)
        {
            sb.Append(words[random.Next(words.Length)]).Append(' ');
        }

        return sb.ToString();
    }

    private static bool IsGzip(string file)
    {
        using var stream = File.OpenRead(file);
        return stream.ReadByte() == 0x1f && stream.ReadByte() == 0x8b;
    }

    private static void RunGzip(List<string> blobs)
    {
        foreach (var blob in blobs)
        {
            using var process = Process.Start(new ProcessStartInfo("bash", ["-c", $"gzip -dc '{blob}' > /dev/null"]))!;
            process.WaitForExit();
        }
    }

    private static void BareGzipRead(List<string> blobs)
    {
        var buffer = new byte[1 << 16];
        foreach (var blob in blobs)
        {
            using var gz = new GZipStream(File.OpenRead(blob), CompressionMode.Decompress);
            while (gz.Read(buffer) > 0)
            {
            }
        }
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    private static async Task<double> TimeAsync<T>(Func<Task<T>> action)
    {
        var sw = Stopwatch.StartNew();
        await action();
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Peak RSS of a separate scan process (GNU time's %M), free of the memory this benchmark used to build the image.</summary>
    private static double ChildPeakRssMiB(string layout, string cache)
    {
        var comb = Path.Combine(AppContext.BaseDirectory, "comb.dll");
        var start = new ProcessStartInfo("/usr/bin/time", ["-f", "%M", "dotnet", comb, "scan", "oci:" + layout, "--scanners", "secret,malware", "--no-store",
            "--format", "json", "--output", Path.Combine(cache, "report.json"), "-q", "--cache-dir", cache]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return double.TryParse(last, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var kb) ? kb / 1024 : double.NaN;
    }
}
