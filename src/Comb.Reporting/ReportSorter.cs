using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>Puts every list of a report in a stable order so two renderings of the same scan are byte-identical.</summary>
public static class ReportSorter
{
    private static readonly StringComparer Ordinal = StringComparer.Ordinal;

    public static ScanReport Sort(ScanReport report) => report with
    {
        PackageSets = [.. report.PackageSets
            .OrderBy(s => s.FilePath, Ordinal).ThenBy(s => s.Kind, Ordinal)
            .Select(s => s with { Packages = [.. s.Packages.OrderBy(p => p.Name, Ordinal).ThenBy(p => p.Version, Ordinal).ThenBy(p => p.Type, Ordinal).ThenBy(p => p.Path ?? string.Empty, Ordinal)] })],
        Vulnerabilities = [.. report.Vulnerabilities
            .OrderBy(v => v.Path ?? string.Empty, Ordinal).ThenBy(v => v.PackageName, Ordinal)
            .ThenBy(v => v.InstalledVersion, Ordinal).ThenBy(v => v.Id, Ordinal)],
        Secrets = [.. report.Secrets.OrderBy(s => s.Path, Ordinal).ThenBy(s => s.Line ?? 0).ThenBy(s => s.RuleId, Ordinal).ThenBy(s => s.Masked, Ordinal)],
        Malware = [.. report.Malware.OrderBy(m => m.Path, Ordinal).ThenBy(m => m.Sha256, Ordinal)],
        Misconfigurations = [.. report.Misconfigurations.OrderBy(c => c.CheckId, Ordinal).ThenBy(c => c.Location, Ordinal).ThenBy(c => c.Message, Ordinal)],
        Diagnostics = [.. report.Diagnostics.OrderBy(d => d.Path ?? string.Empty, Ordinal).ThenBy(d => d.Message, Ordinal)],
    };

    /// <summary>The severities from worst to least, as reports list them.</summary>
    public static readonly IReadOnlyList<Severity> WorstFirst = [Severity.Critical, Severity.High, Severity.Medium, Severity.Low, Severity.Unknown];
}
