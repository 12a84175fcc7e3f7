using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using Comb.Contracts;
using Comb.Secrets.Engine;

// Secret-scanning throughput: raw read vs. full scan, all rules on.
// Usage: dotnet run -c Release -- <layer.tar | layer.tar.gz | directory> [rounds] [--list]  (--list prints a layer's findings once)
// With a layer, both measures stream the layer the way a scan does (decompress, walk the tar, read each entry);
// the scan round also hands every entry the scanner asks for to it. With a directory, files are scanned from memory.
if (args.Length < 1 || !(Directory.Exists(args[0]) || File.Exists(args[0])))
{
    Console.Error.WriteLine("usage: Comb.Secrets.Throughput <layer.tar[.gz] | directory> [rounds]");
    return 2;
}

var rounds = args.Length > 1 && args[1] != "--list" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var list = args.Contains("--list");
var round0 = true;
// All rules on every file: the default allow-paths would skip most of a system tree, hiding the cost.
var scanner = SecretEngineFactory.CreateScanner(new Comb.Secrets.Config.SecretConfig { UseDefaultAllowPaths = false });
return File.Exists(args[0]) ? LayerMode(args[0]) : DirectoryMode(args[0]);

int LayerMode(string layer)
{
    var compressedBytes = new FileInfo(layer).Length;
    double bestRead = 0, bestScan = 0;
    for (var round = 0; round < rounds; round++)
    {
        var read = WalkLayer(layer, scan: false);
        var scan = WalkLayer(layer, scan: true);
        round0 = false;
        bestRead = Math.Max(bestRead, read.Bytes / 1e6 / read.Seconds);
        bestScan = Math.Max(bestScan, scan.Bytes / 1e6 / scan.Seconds);
        Console.WriteLine(FormattableString.Invariant(
            $"round {round + 1}: {read.Files} files, {read.Bytes / 1e6:F1} MB uncompressed ({compressedBytes / 1e6:F1} MB on disk); read {read.Seconds:F2} s, read+scan {scan.Seconds:F2} s, {scan.Findings} findings, {scan.Scanned} files scanned"));
    }

    Console.WriteLine(FormattableString.Invariant($"best: layer read {bestRead:F1} MB/s, layer read + secret scan {bestScan:F1} MB/s (uncompressed bytes per second)"));
    return 0;
}

(long Files, long Bytes, long Scanned, long Findings, double Seconds) WalkLayer(string layer, bool scan)
{
    var sw = Stopwatch.StartNew();
    using var file = File.OpenRead(layer);
    using Stream content = layer.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
    using var reader = new TarReader(content);
    long files = 0, bytes = 0, scanned = 0, findings = 0;
    var buffer = new byte[1 << 20];
    while (reader.GetNextEntry() is { } entry)
    {
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
        {
            continue;
        }

        files++;
        bytes += entry.Length;
        var meta = new FileMeta { Path = entry.Name.TrimStart('.', '/'), Kind = FileKind.Regular, Size = entry.Length };
        if (scan && scanner.IsRequired(meta))
        {
            var data = new byte[entry.Length];
            entry.DataStream.ReadExactly(data);
            scanned++;
            var found = scanner.Scan(meta, data, null);
            findings += found.Count;
            if (list && round0)
            {
                foreach (var f in found)
                {
                    Console.WriteLine($"  {f.RuleId} {meta.Path}:{f.Line} {f.Snippet}");
                }
            }
        }
        else
        {
            while (entry.DataStream.Read(buffer) > 0)
            {
            }
        }
    }

    return (files, bytes, scanned, findings, sw.Elapsed.TotalSeconds);
}

int DirectoryMode(string root)
{
    var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
        .Select(f => new FileInfo(f)).Where(f => f.Length > 0).ToList();
    var contents = files.Select(f => (Path: "app/" + Path.GetRelativePath(root, f.FullName).Replace('\\', '/'), Bytes: File.ReadAllBytes(f.FullName))).ToList();
    var totalBytes = contents.Sum(c => (long)c.Bytes.Length);
    Console.WriteLine(FormattableString.Invariant($"{contents.Count} files, {totalBytes / 1e6:F1} MB"));

    double best = 0, bestRead = 0;
    for (var round = 0; round < rounds; round++)
    {
        var sw = Stopwatch.StartNew();
        long sum = 0;
        foreach (var f in files)
        {
            using var stream = f.OpenRead();
            var buffer = new byte[f.Length];
            stream.ReadExactly(buffer);
            sum += buffer[^1];
        }

        bestRead = Math.Max(bestRead, totalBytes / 1e6 / sw.Elapsed.TotalSeconds);

        sw.Restart();
        long findings = 0;
        foreach (var (path, bytes) in contents)
        {
            var meta = new FileMeta { Path = path, Kind = FileKind.Regular, Size = bytes.Length };
            if (scanner.IsRequired(meta))
            {
                findings += scanner.Scan(meta, bytes, null).Count;
            }
        }

        best = Math.Max(best, totalBytes / 1e6 / sw.Elapsed.TotalSeconds);
        Console.WriteLine(FormattableString.Invariant($"round {round + 1}: scan {totalBytes / 1e6 / sw.Elapsed.TotalSeconds:F1} MB/s ({findings} findings), checksum {sum}"));
    }

    Console.WriteLine(FormattableString.Invariant($"best: raw read {bestRead:F1} MB/s, secret scan (all rules, from memory) {best:F1} MB/s"));
    return 0;
}
