using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>A writer for every output format of <see cref="ReportFormats"/>, by name.</summary>
public static class ReportWriters
{
    public static IReadOnlyList<IReportWriter> All(TableWriterOptions? tableOptions = null) =>
        [.. ReportFormats.All.Select(f => f.Create(tableOptions))];

    /// <summary>The writer for a format name; unknown names are a user input error.</summary>
    public static IReportWriter For(string format, TableWriterOptions? tableOptions = null) =>
        ReportFormats.Find(format)?.Create(tableOptions)
        ?? throw new CombInputException($"Unknown report format '{format}'. Known formats: {string.Join(", ", ReportFormats.Names)}.");
}
