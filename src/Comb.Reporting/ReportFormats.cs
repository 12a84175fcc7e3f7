using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>What a format shows: findings only, or the package inventory too (then <c>comb sbom</c> can write it).</summary>
public enum ReportContent
{
    /// <summary>Findings only (SARIF, JUnit).</summary>
    Findings,

    /// <summary>A software bill of materials standard (CycloneDX, SPDX): offered first by <c>comb sbom</c>.</summary>
    Sbom,

    /// <summary>The whole report, packages included (table, JSON).</summary>
    Everything,
}

/// <summary>One output format: its name, the file it makes, its HTTP content type, what it shows and its writer.</summary>
public sealed record ReportFormat(string Name, string Extension, string ContentType, ReportContent Content, Func<TableWriterOptions?, IReportWriter> Create)
{
    public bool ShowsPackages => Content is not ReportContent.Findings;
}

/// <summary>
/// Every output format, in the order help texts list them. The one list: the CLI's choices and file names, the
/// server's content types and the registered writers all come from here, so a new format is one line below.
/// </summary>
public static class ReportFormats
{
    public static IReadOnlyList<ReportFormat> All { get; } =
    [
        new("table", ".txt", "text/plain; charset=utf-8", ReportContent.Everything, o => new TableReportWriter(o)),
        new("json", ".json", "application/json", ReportContent.Everything, _ => new JsonReportWriter()),
        new("sarif", ".sarif", "application/sarif+json", ReportContent.Findings, _ => new SarifReportWriter()),
        new("cyclonedx", ".cdx.json", "application/vnd.cyclonedx+json", ReportContent.Sbom, _ => new CycloneDxReportWriter()),
        new("spdx", ".spdx.json", "application/spdx+json", ReportContent.Sbom, _ => new SpdxReportWriter()),
        new("junit", ".xml", "application/xml", ReportContent.Findings, _ => new JunitReportWriter()),
        new("gitlab", ".gitlab.json", "application/json", ReportContent.Findings, _ => new GitlabReportWriter()),
    ];

    /// <summary>Every format's name ("table", "json", ...).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(f => f.Name)];

    /// <summary>The formats <c>comb sbom</c> writes: the SBOM standards first, then the others that show packages.</summary>
    public static IReadOnlyList<string> SbomNames { get; } =
        [.. All.Where(f => f.Content == ReportContent.Sbom).Concat(All.Where(f => f.Content == ReportContent.Everything)).Select(f => f.Name)];

    /// <summary>The format called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static ReportFormat? Find(string name) =>
        All.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
}
