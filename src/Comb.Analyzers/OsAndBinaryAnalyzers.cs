using Comb.Analyzers.Os;
using Comb.Contracts;

namespace Comb.Analyzers;

/// <summary>The OS detection, OS package database and binary analyzers, for the provider to hand out.</summary>
public static class OsAndBinaryAnalyzers
{
    public static IReadOnlyList<IFileAnalyzer> All() =>
    [
        new OsReleaseAnalyzer(),
        new DpkgStatusAnalyzer(),
        new DpkgCopyrightAnalyzer(),
        new DpkgFileListAnalyzer(),
        new DpkgMd5sumsAnalyzer(),
        new ApkInstalledAnalyzer(),
        new Os.Rpm.RpmDbAnalyzer(),
        new Binary.GoBinaryAnalyzer(),
        new Binary.RustAuditableAnalyzer(),
    ];
}
