using Comb.Contracts;

namespace Comb.Checks.Config;

/// <summary>
/// Notes setuid/setgid files, world-writable files in system paths and package-manager caches from tar headers
/// alone: it never opens file content, so asking for a file costs the walk nothing beyond the header.
/// </summary>
public sealed class FileNoteAnalyzer : IFileAnalyzer
{
    public string Id => "file-notes";

    public int Version => 1;

    public bool IsRequired(FileMeta meta) => FileNoteRules.IsRequired(meta);

    public ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var notes = FileNoteRules.Notes(input.Meta).ToList();
        return ValueTask.FromResult(notes.Count == 0 ? AnalysisResult.Empty : new AnalysisResult { Notes = notes });
    }
}

/// <summary>Hands the file-note analyzer to scans that run configuration checks.</summary>
public sealed class CheckAnalyzerProvider : IAnalyzerProvider
{
    public IEnumerable<IFileAnalyzer> CreateFileAnalyzers(ScanOptions options) =>
        options.IsEnabled(Scanners.Config) ? [new FileNoteAnalyzer()] : [];
}
