using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>Every output format, by name.</summary>
public static class ReportWriters
{
    public static IReadOnlyList<IReportWriter> All(TableWriterOptions? tableOptions = null) =>
    [
        new TableReportWriter(tableOptions),
        new JsonReportWriter(),
        new SarifReportWriter(),
        new CycloneDxReportWriter(),
        new SpdxReportWriter(),
        new JunitReportWriter(),
        new GitlabReportWriter(),
    ];

    /// <summary>The format names, in the order of <see cref="All"/> (what --format accepts).</summary>
    public static IReadOnlyList<string> Formats => [.. All().Select(w => w.Format)];

    /// <summary>The writer for a format name; unknown names are a user input error.</summary>
    public static IReportWriter For(string format, TableWriterOptions? tableOptions = null) =>
        All(tableOptions).FirstOrDefault(w => string.Equals(w.Format, format, StringComparison.OrdinalIgnoreCase))
        ?? throw new CombInputException($"Unknown report format '{format}'. Known formats: {string.Join(", ", All().Select(w => w.Format))}.");
}
