using Comb.Contracts;

namespace Comb.Analyzers;

/// <summary>Hands out the package-inventory analyzers: language ecosystems plus OS databases and binaries.</summary>
public sealed class InventoryAnalyzerProvider : IAnalyzerProvider
{
    public IEnumerable<IFileAnalyzer> CreateFileAnalyzers(ScanOptions options) => All();

    public IEnumerable<IPostAnalyzer> CreatePostAnalyzers(ScanOptions options) => AllPost();

    /// <summary>The analyzer set without scan options (tests, tooling).</summary>
    public static IReadOnlyList<IFileAnalyzer> All() =>
    [
        .. LanguageAnalyzers.All(),
        .. OsAndBinaryAnalyzers.All(),
    ];

    /// <summary>The post-analyzers (several files of a layer together) without scan options.</summary>
    public static IReadOnlyList<IPostAnalyzer> AllPost() =>
    [
        .. LanguageAnalyzers.Post(),
    ];
}
