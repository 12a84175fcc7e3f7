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
    private readonly List<IPostAnalyzer> _postAnalyzers = [];
    private string _layer = "sha256:" + new string('0', 64);

    public static AnalyzerTester For(params IFileAnalyzer[] analyzers)
    {
        var tester = new AnalyzerTester();
        tester._analyzers.AddRange(analyzers);
        return tester;
    }

    /// <summary>File analyzers and post-analyzers together, as a provider hands them out.</summary>
    public static AnalyzerTester For(IEnumerable<IFileAnalyzer> analyzers, IEnumerable<IPostAnalyzer> postAnalyzers) =>
        For([.. analyzers]).WithPost([.. postAnalyzers]);

    /// <summary>Adds post-analyzers: each sees every file it asks for together, after the file analyzers ran.</summary>
    public AnalyzerTester WithPost(params IPostAnalyzer[] analyzers)
    {
        _postAnalyzers.AddRange(analyzers);
        return this;
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

        foreach (var analyzer in _postAnalyzers)
        {
            var files = _files.Where(f => analyzer.IsRequired(f.Meta))
                .Select(f => new AnalysisInput(f.Meta, _layer, () => new MemoryStream(f.Content(), writable: false)))
                .ToList();
            if (files.Count > 0)
            {
                results.Add(await analyzer.AnalyzeAsync(new PostAnalysisInput(_layer, files), cancellationToken));
            }
        }

        return results;
    }

    /// <summary>All packages from every result, with the package details the results carry joined in.</summary>
    public async Task<IReadOnlyList<Package>> PackagesAsync(CancellationToken cancellationToken = default)
    {
        var results = await RunAsync(cancellationToken);
        var sets = PackageDetails.Join([.. results.SelectMany(r => r.PackageSets)], [.. results.SelectMany(r => r.Details)]);
        return [.. sets.SelectMany(s => s.Packages)];
    }
}
