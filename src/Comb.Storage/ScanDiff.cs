using Comb.Contracts;

namespace Comb.Storage;

/// <summary>What changed between two reports: packages, vulnerabilities, secrets, malware and the verdict.</summary>
public sealed record ScanDiff
{
    public required string From { get; init; }
    public required string To { get; init; }
    public IReadOnlyList<string> AddedPackages { get; init; } = [];
    public IReadOnlyList<string> RemovedPackages { get; init; } = [];
    public IReadOnlyList<string> NewVulnerabilities { get; init; } = [];
    public IReadOnlyList<string> FixedVulnerabilities { get; init; } = [];
    public IReadOnlyList<string> NewSecrets { get; init; } = [];
    public IReadOnlyList<string> NewMalware { get; init; } = [];
    public string? VerdictFrom { get; init; }
    public string? VerdictTo { get; init; }

    public bool VerdictChanged => !string.Equals(VerdictFrom, VerdictTo, StringComparison.Ordinal);

    public static ScanDiff Compare(ScanReport from, ScanReport to)
    {
        static HashSet<string> Packages(ScanReport r) => [.. r.Packages.Select(p => $"{p.Type}:{p.Name}@{p.Version}")];
        static HashSet<string> Secrets(ScanReport r) => [.. r.Secrets.Select(s => $"{s.RuleId} in {s.Path}{(s.Line is { } l ? ":" + l : "")} ({s.Masked})")];
        static HashSet<string> Malware(ScanReport r) => [.. r.Malware.Select(m => $"{m.Path} ({string.Join(", ", m.Signatures)})")];

        var vulnerabilities = Vulnerabilities(from, to);
        return new ScanDiff
        {
            From = from.ScanId ?? from.Image.Reference,
            To = to.ScanId ?? to.Image.Reference,
            AddedPackages = Sorted(Packages(to).Except(Packages(from))),
            RemovedPackages = Sorted(Packages(from).Except(Packages(to))),
            NewVulnerabilities = vulnerabilities.New,
            FixedVulnerabilities = vulnerabilities.Fixed,
            NewSecrets = Sorted(Secrets(to).Except(Secrets(from))),
            NewMalware = Sorted(Malware(to).Except(Malware(from))),
            VerdictFrom = from.Policy?.Decision,
            VerdictTo = to.Policy?.Decision,
        };
    }

    /// <summary>
    /// The vulnerabilities <paramref name="to"/> has that <paramref name="from"/> had not, and the reverse (what a
    /// rescan reports per image): nothing to compare when both hold the same finding objects, as a re-check that
    /// carried its findings over does.
    /// </summary>
    public static (IReadOnlyList<string> New, IReadOnlyList<string> Fixed) Vulnerabilities(ScanReport from, ScanReport to)
    {
        var (a, b) = (from.Vulnerabilities, to.Vulnerabilities);
        if (a.Count == b.Count && Enumerable.Range(0, a.Count).All(i => ReferenceEquals(a[i], b[i])))
        {
            return ([], []);
        }

        var before = a.Select(VulnKey).ToHashSet(StringComparer.Ordinal);
        var after = b.Select(VulnKey).ToHashSet(StringComparer.Ordinal);
        return (Sorted(after.Except(before)), Sorted(before.Except(after)));
    }

    internal static string VulnKey(VulnerabilityFinding v) => $"{v.Id} {v.PackageName}@{v.InstalledVersion}";

    private static List<string> Sorted(IEnumerable<string> items) => [.. items.Order(StringComparer.Ordinal)];
}
