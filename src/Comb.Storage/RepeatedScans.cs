using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// Whether a re-check found exactly what the stored scan holds: the same package set objects, the same findings in
/// the same order, and the same document (image, OS, secrets, malware, checks, trust, verdict, diagnostics, Comb
/// version) once its id, time, advisory database build and trigger are set aside. Such a re-check can be recorded as
/// a repeat of the stored scan and reads back as the same report.
/// </summary>
internal static class RepeatedScans
{
    private static readonly string[] NoStrings = [];
    private static readonly CvssScore[] NoScores = [];

    public static bool Repeats(ScanReport before, ScanReport after)
    {
        if (before.PackageSets.Count != after.PackageSets.Count || before.Vulnerabilities.Count != after.Vulnerabilities.Count)
        {
            return false;
        }

        for (var i = 0; i < before.PackageSets.Count; i++)
        {
            if (!ReferenceEquals(before.PackageSets[i], after.PackageSets[i]))
            {
                return false;
            }
        }

        for (var i = 0; i < before.Vulnerabilities.Count; i++)
        {
            var (a, b) = (before.Vulnerabilities[i], after.Vulnerabilities[i]);
            if (!ReferenceEquals(a, b) && !SameFinding(a, b))
            {
                return false;
            }
        }

        return ReportSerializer.Json(Document(before)).AsSpan().SequenceEqual(ReportSerializer.Json(Document(after)));
    }

    private static ScanReport Document(ScanReport report) => report with
    {
        ScanId = null, CreatedAt = default, AdvisoryDbVersion = null, Trigger = null, PackageSets = [], Vulnerabilities = [],
    };

    /// <summary>
    /// Field by field, lists by their items (a record compares lists by reference), without serialising: a fleet's
    /// re-check compares every finding it read with the one it made. A list field added later and not listed here
    /// compares by reference, so such findings only ever count as different.
    /// </summary>
    internal static bool SameFinding(VulnerabilityFinding a, VulnerabilityFinding b) =>
        a.Aliases.SequenceEqual(b.Aliases, StringComparer.Ordinal) && a.FixedVersions.SequenceEqual(b.FixedVersions, StringComparer.Ordinal)
        && a.Cvss.SequenceEqual(b.Cvss) && a.References.SequenceEqual(b.References, StringComparer.Ordinal) && a.Cwes.SequenceEqual(b.Cwes, StringComparer.Ordinal)
        && a.Tags.SequenceEqual(b.Tags, StringComparer.Ordinal) && a.DataSources.SequenceEqual(b.DataSources, StringComparer.Ordinal)
        && Bare(a) == Bare(b);

    private static VulnerabilityFinding Bare(VulnerabilityFinding f) => f with
    {
        Aliases = NoStrings, FixedVersions = NoStrings, Cvss = NoScores, References = NoStrings, Cwes = NoStrings, Tags = NoStrings, DataSources = NoStrings,
    };
}
