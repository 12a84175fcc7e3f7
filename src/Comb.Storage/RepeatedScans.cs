using System.Runtime.CompilerServices;
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
    // Findings are immutable and shared (the matcher's answers per target, the store's finding sets), so each one's
    // JSON is made once however many images hold it.
    private static readonly ConditionalWeakTable<VulnerabilityFinding, byte[]> FindingJson = [];

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
            if (!ReferenceEquals(a, b) && !JsonOf(a).AsSpan().SequenceEqual(JsonOf(b)))
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

    private static byte[] JsonOf(VulnerabilityFinding finding) => FindingJson.GetValue(finding, f => ReportSerializer.Json(f));
}
