using Comb.Contracts;

namespace Comb.Engine.Tests;

/// <summary>
/// A small real analyzer for engine tests: files named "packages.txt" list "name version" per line.
/// It counts how often it runs, so tests can prove a cached rescan reads no layer.
/// </summary>
internal sealed class LinesPackageAnalyzer : IFileAnalyzer, IAnalyzerProvider
{
    private int _calls;

    public string Id => "test-lines";

    public int Version => 1;

    public int Calls => _calls;

    public bool IsRequired(FileMeta meta) => meta.Kind is FileKind.Regular or FileKind.HardLink && meta.Path.EndsWith("packages.txt", StringComparison.Ordinal);

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        using var reader = new StreamReader(input.OpenRead());
        var text = await reader.ReadToEndAsync(cancellationToken);
        var packages = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .Select(p => new Package { Name = p[0], Version = p[1], Type = "test", FoundBy = Id })
            .ToList();
        return new AnalysisResult { PackageSets = [new PackageSet { FilePath = input.Path, Kind = "test", Packages = packages }] };
    }

    public IEnumerable<IFileAnalyzer> CreateFileAnalyzers(ScanOptions options) => [this];
}
