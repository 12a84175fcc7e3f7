using Comb.Contracts;

namespace Comb.Analyzers;

/// <summary>Hands out the package-inventory analyzers: language ecosystems plus OS databases and binaries.</summary>
public sealed class InventoryAnalyzerProvider : IAnalyzerProvider
{
    public IEnumerable<IFileAnalyzer> CreateFileAnalyzers(ScanOptions options) => All();

    /// <summary>The analyzer set without scan options (tests, tooling).</summary>
    public static IReadOnlyList<IFileAnalyzer> All() =>
    [
        .. LanguageAnalyzers.All(),
        // OS databases and Go/Rust binaries: add `.. OsAndBinaryAnalyzers.All(),` here when that branch is merged.
    ];
}
