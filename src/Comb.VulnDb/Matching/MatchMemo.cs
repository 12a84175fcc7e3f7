using System.Collections.Concurrent;
using Comb.Contracts;
using Comb.VulnDb.Database;

namespace Comb.VulnDb.Matching;

/// <summary>
/// What each distinct match target (ecosystem, names, version) is affected by, for one build of the advisory
/// database: matched once, then reused by every package, image and scan that has the same target. Thread-safe; two
/// scans racing on one target compute the same answer and one is kept.
/// </summary>
internal sealed class MatchMemo
{
    /// <summary>Beyond this many targets the memo starts over, so a long-running host's memory stays bounded.</summary>
    public const int MaxTargets = 200_000;

    private readonly ConcurrentDictionary<string, Entry> _targets = new(StringComparer.Ordinal);

    // Whole package sets already matched against this build (a fleet's shared base), by set object.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Comb.Contracts.PackageSet, SetAnswer> _sets = [];
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Comb.Contracts.PackageSet, object> _offered = [];

    public MatchMemo(string buildId, string versionLabel)
    {
        BuildId = buildId;
        VersionLabel = versionLabel;
    }

    /// <summary>The database build the answers hold for.</summary>
    public string BuildId { get; }

    /// <summary>That build's version label, as reports record it.</summary>
    public string VersionLabel { get; }

    public int Count => _targets.Count;

    public IReadOnlyList<MatchedVulnerability> GetOrAdd(MatchTarget target, Func<MatchTarget, IReadOnlyList<MatchedVulnerability>> match)
    {
        var key = KeyOf(target);
        if (_targets.TryGetValue(key, out var known))
        {
            return known.Matched;
        }

        var matched = match(target);
        if (_targets.Count >= MaxTargets)
        {
            _targets.Clear();
        }

        return _targets.GetOrAdd(key, new Entry(target, matched)).Matched;
    }

    /// <summary>Whether a stored set's findings are offered for carrying the first time (true) or were before (false).</summary>
    public bool FirstOffer(Comb.Contracts.PackageSet set) => _offered.TryAdd(set, set);

    /// <summary>The findings a set gave against this build in <paramref name="context"/>, or null.</summary>
    public SetAnswer? SetAnswer(Comb.Contracts.PackageSet set, string context) =>
        _sets.TryGetValue(set, out var answer) && answer.Context == context ? answer : null;

    public SetAnswer RememberSet(Comb.Contracts.PackageSet set, SetAnswer answer)
    {
        _sets.AddOrUpdate(set, answer);
        return answer;
    }

    /// <summary>Records an answer known without matching (carried over from a build the target is unchanged in).</summary>
    public bool TryAdd(MatchTarget target, IReadOnlyList<MatchedVulnerability> matched) =>
        _targets.Count < MaxTargets && _targets.TryAdd(KeyOf(target), new Entry(target, matched));

    /// <summary>Carries every answer of an earlier build's memo that the changes since that build cannot have altered.</summary>
    public int CarryOver(MatchMemo earlier, AdvisoryDbChanges changes)
    {
        var carried = 0;
        foreach (var entry in earlier._targets.Values)
        {
            if (!IsTouched(entry.Target, entry.Matched, changes) && TryAdd(entry.Target, entry.Matched))
            {
                carried++;
            }
        }

        return carried;
    }

    /// <summary>
    /// Whether a change could alter a target's answer: a changed record names one of its packages (so its hits and
    /// clearances may differ), or is known by an id one of its findings carries (its severity, text, related records
    /// or KEV flag may differ). Anything else about the target is read from records neither rule lets through.
    /// </summary>
    public static bool IsTouched(MatchTarget target, IReadOnlyList<MatchedVulnerability> matched, AdvisoryDbChanges changes) =>
        target.Names.Any(n => changes.NamesPackage(target.Ecosystem, n))
        || matched.Any(m => changes.NamesId(m.Advisory.Id) || m.Advisory.Aliases.Any(changes.NamesId));
    public bool Contains(MatchTarget target) => _targets.ContainsKey(KeyOf(target));

    private sealed record Entry(MatchTarget Target, IReadOnlyList<MatchedVulnerability> Matched);

    internal static string KeyOf(MatchTarget target) =>
        $"{target.Ecosystem}\n{string.Join('\t', target.Names)}\n{target.Version}\n{(target.Class == PackageClass.Os ? 'o' : 'l')}";
}

/// <summary>The findings one package set gave in one context (distro release, layer indexes), and its OS packages no distro data covered.</summary>
internal sealed record SetAnswer(string Context, IReadOnlyList<Comb.Contracts.VulnerabilityFinding> Findings, int OsPackagesWithoutDistro);
