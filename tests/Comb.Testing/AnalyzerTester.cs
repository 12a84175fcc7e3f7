using Comb.Contracts;

namespace Comb.Testing;

/// <summary>
/// Runs file analyzers over files laid out at their in-image paths (a directory, or files added in code),
/// the way the layer walk would offer them, and merges the results.
/// </summary>
public sealed class AnalyzerTester
{
    private readonly List<(FileMeta Meta, Func<byte[]> Content)> _files = [];
    private readonly List<IFileAnalyzer> _analyzers = [];
    private string _layer = "sha256:" + new string('0', 64);

    public static AnalyzerTester For(params IFileAnalyzer[] analyzers)
    {
        var tester = new AnalyzerTester();
        tester._analyzers.AddRange(analyzers);
        return tester;
    }

    public AnalyzerTester InLayer(string diffId)
    {
        _layer = diffId;
        return this;
    }

    /// <summary>Adds every regular file below <paramref name="root"/>, at its path relative to the root.</summary>
    public AnalyzerTester WithDirectory(string root)
    {
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            var info = new FileInfo(file);
            var mode = OperatingSystem.IsWindows() ? 0b110_100_100 : (int)File.GetUnixFileMode(file);
            _files.Add((new FileMeta { Path = rel, Kind = FileKind.Regular, Size = info.Length, Mode = mode, ModifiedTime = info.LastWriteTimeUtc }, () => File.ReadAllBytes(file)));
        }

        return this;
    }

    public AnalyzerTester WithFile(string path, string content, int mode = 0b110_100_100) =>
        WithFile(path, System.Text.Encoding.UTF8.GetBytes(content), mode);

    public AnalyzerTester WithFile(string path, byte[] content, int mode = 0b110_100_100)
    {
        _files.Add((new FileMeta { Path = path.TrimStart('/'), Kind = FileKind.Regular, Size = content.Length, Mode = mode, ModifiedTime = DateTimeOffset.UnixEpoch }, () => content));
        return this;
    }

    /// <summary>Offers each file to each analyzer that wants it and returns all results, in file order.</summary>
    public async Task<IReadOnlyList<AnalysisResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        var results = new List<AnalysisResult>();
        foreach (var (meta, content) in _files)
        {
            foreach (var analyzer in _analyzers)
            {
                if (!analyzer.IsRequired(meta))
                {
                    continue;
                }

                var input = new AnalysisInput(meta, _layer, () => new MemoryStream(content(), writable: false));
                results.Add(await analyzer.AnalyzeAsync(input, cancellationToken));
            }
        }

        return results;
    }

    /// <summary>All packages from every result.</summary>
    public async Task<IReadOnlyList<Package>> PackagesAsync(CancellationToken cancellationToken = default) =>
        [.. (await RunAsync(cancellationToken)).SelectMany(r => r.PackageSets).SelectMany(s => s.Packages)];
}
