using System.Diagnostics;
using System.Globalization;
using Comb.Contracts;
using Comb.Secrets.Engine;

// Secret-scanning throughput over a directory tree (e.g. a node_modules tree): raw read vs. full scan.
// Usage: dotnet run -c Release -- <dir> [rounds]
if (args.Length < 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Comb.Secrets.Throughput <directory> [rounds]");
    return 2;
}

var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var files = Directory.EnumerateFiles(args[0], "*", SearchOption.AllDirectories)
    .Select(f => new FileInfo(f)).Where(f => f.Length > 0).ToList();
var contents = files.Select(f => (Path: "app/" + Path.GetRelativePath(args[0], f.FullName).Replace('\\', '/'), Bytes: File.ReadAllBytes(f.FullName))).ToList();
var totalBytes = contents.Sum(c => (long)c.Bytes.Length);
Console.WriteLine(FormattableString.Invariant($"{contents.Count} files, {totalBytes / 1e6:F1} MB"));

var scanner = SecretEngineFactory.CreateScanner(null);
double best = 0, bestRead = 0;
long findings = 0;
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
    findings = 0;
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
