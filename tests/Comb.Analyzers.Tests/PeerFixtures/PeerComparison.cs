using System.Text.RegularExpressions;
using Comb.Contracts;

namespace Comb.Analyzers.Tests.PeerFixtures;

internal sealed record ComparisonOutcome(IReadOnlyList<string> Missing, IReadOnlyList<string> Extra)
{
    public bool IsMatch => Missing.Count == 0 && Extra.Count == 0;

    public override string ToString() =>
        $"missing [{string.Join(", ", Missing)}] extra [{string.Join(", ", Extra)}]";
}

/// <summary>
/// Compares name@version sets, after the naming conventions that differ between peers are aligned:
/// <list type="bullet">
/// <item>Peers sometimes assert a package with an empty name (trivy's nameless workspace root); we never report nameless packages, so those expected entries are dropped.</item>
/// <item>syft names Java packages by artifactId alone; we (like trivy and osv-scalibr) use groupId:artifactId.</item>
/// <item>rpm peers report the epoch apart from VERSION-RELEASE; our rpm versions may carry "epoch:", which is ignored.</item>
/// </list>
/// </summary>
internal static partial class PeerComparison
{
    public static ComparisonOutcome Compare(PeerCase peerCase, IReadOnlyList<Package> ours)
    {
        var expected = peerCase.Expected!;
        var want = expected.Packages
            .Where(p => p.Name.Length > 0)
            .Select(p => $"{p.Name}@{p.Version}")
            .ToHashSet(StringComparer.Ordinal);
        var have = ours.Select(p => Key(expected.Peer, p)).ToHashSet(StringComparer.Ordinal);
        return new ComparisonOutcome(
            [.. want.Except(have).Order(StringComparer.Ordinal)],
            [.. have.Except(want).Order(StringComparer.Ordinal)]);
    }

    private static string Key(string peer, Package p)
    {
        var name = p.Name;
        var version = p.Version;
        if (peer == "syft" && p.Type == PackageTypes.Maven && name.LastIndexOf(':') is var colon and > 0)
        {
            name = name[(colon + 1)..];
        }

        if (p.Type == PackageTypes.Rpm)
        {
            version = RpmEpoch().Replace(version, "");
        }

        return $"{name}@{version}";
    }

    [GeneratedRegex(@"^\d+:")]
    private static partial Regex RpmEpoch();
}

/// <summary>
/// Cases where we knowingly differ from the peer, with the reason. Keep this short: each entry is a
/// place where the peer is wrong or deliberately does something we do not.
/// </summary>
internal static class PeerDeviations
{
    private static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
    };

    public static string? Reason(string caseKey) => Reasons.GetValueOrDefault(caseKey);
}
