using Comb.Contracts;
using Comb.VulnDb.Feeds;

namespace Comb.VulnDb.Matching;

/// <summary>Result of testing one installed version against one affected entry.</summary>
internal enum RangeVerdict
{
    /// <summary>No range or list could be evaluated (unknown ordering, unparsable version).</summary>
    Unknown,
    Affected,
    NotAffected,
}

/// <summary>OSV affected-entry semantics: explicit <c>versions</c>, then ranges with introduced / fixed / last_affected / limit events.</summary>
internal static class RangeEvaluator
{
    public static RangeVerdict Evaluate(string ecosystem, IReadOnlyList<AffectedRange> ranges, IReadOnlyList<string> versions,
        string version, IVersionComparerResolver comparers, List<string> fixedVersions)
    {
        var verdict = RangeVerdict.Unknown;
        if (versions.Count > 0)
        {
            if (versions.Contains(version, StringComparer.Ordinal))
            {
                verdict = RangeVerdict.Affected;
            }
            else if (ranges.Count == 0)
            {
                return RangeVerdict.NotAffected;
            }
        }

        foreach (var range in ranges)
        {
            if (comparers.For(range.Type, ecosystem) is not { } comparer || !comparer.IsValid(version))
            {
                continue;
            }

            var inRange = InRange(range.Events, version, comparer, fixedVersions);
            if (inRange)
            {
                verdict = RangeVerdict.Affected;
            }
            else if (verdict == RangeVerdict.Unknown)
            {
                verdict = RangeVerdict.NotAffected;
            }
        }

        // An explicit list that does not contain the version while the ranges could not be read: not affected by the list.
        if (verdict == RangeVerdict.Unknown && versions.Count > 0)
        {
            verdict = RangeVerdict.NotAffected;
        }

        return verdict;
    }

    /// <summary>Walks the events in version order; adds the fix(es) above <paramref name="version"/> when it is affected.</summary>
    internal static bool InRange(IReadOnlyList<RangeEvent> events, string version, IVersionComparer comparer, List<string>? fixedVersions)
    {
        var sorted = new List<RangeEvent>(events.Count);
        var limits = new List<string>();
        foreach (var e in events)
        {
            if (e.Kind == EventKinds.Limit)
            {
                limits.Add(e.Version);
            }
            else if (e.Kind == EventKinds.Introduced && e.Version == "0" || comparer.IsValid(e.Version))
            {
                sorted.Add(e);
            }
        }

        if (limits.Count > 0 && !limits.Exists(l => l == "*" || comparer.IsValid(l) && comparer.Compare(version, l) < 0))
        {
            return false;
        }

        sorted.Sort((a, b) =>
        {
            var aZero = a.Kind == EventKinds.Introduced && a.Version == "0";
            var bZero = b.Kind == EventKinds.Introduced && b.Version == "0";
            if (aZero || bZero)
            {
                return aZero == bZero ? 0 : aZero ? -1 : 1;
            }

            var c = comparer.Compare(a.Version, b.Version);
            return c != 0 ? c : Rank(a.Kind).CompareTo(Rank(b.Kind));
        });

        var vulnerable = false;
        string? fix = null;
        for (var i = 0; i < sorted.Count; i++)
        {
            var e = sorted[i];
            switch (e.Kind)
            {
                case EventKinds.Introduced:
                    if (e.Version == "0" || comparer.Compare(version, e.Version) >= 0)
                    {
                        vulnerable = true;
                        fix = null;
                    }

                    break;
                case EventKinds.Fixed:
                    if (comparer.Compare(version, e.Version) >= 0)
                    {
                        vulnerable = false;
                    }
                    else if (vulnerable && fix is null)
                    {
                        fix = e.Version;
                    }

                    break;
                case EventKinds.LastAffected:
                    if (comparer.Compare(version, e.Version) > 0)
                    {
                        vulnerable = false;
                    }

                    break;
            }
        }

        if (vulnerable && fix is not null && fixedVersions is not null && !fixedVersions.Contains(fix, StringComparer.Ordinal))
        {
            fixedVersions.Add(fix);
        }

        return vulnerable;
    }

    private static int Rank(string kind) => kind switch
    {
        EventKinds.Introduced => 0,
        EventKinds.LastAffected => 1,
        _ => 2,
    };
}
