namespace Comb.VulnDb.Feeds;

/// <summary>
/// Every advisory read from the feeds, keyed by id. A record seen twice (a multi-ecosystem OSV record in several
/// zips, a DSA from both the tracker list and its OSV form) is merged: the later <c>modified</c> wins for the text,
/// affected entries are united.
/// </summary>
internal sealed class AdvisoryCollection
{
    private readonly Dictionary<string, Advisory> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourceStats> _sources = new(StringComparer.Ordinal);

    public IReadOnlyCollection<Advisory> Advisories => _byId.Values;
    public List<KevEntry> Kev { get; } = [];

    /// <summary>Published, non-secret values (sample passwords, keys in public client code) for the secret scanner.</summary>
    public SortedSet<string> PublishedSecretValues { get; } = new(StringComparer.Ordinal);
    public List<string> Warnings { get; } = [];
    public IReadOnlyDictionary<string, SourceStats> Sources => _sources;

    public int Count => _byId.Count;

    public void Add(Advisory advisory, string source)
    {
        CountRecord(source, advisory.Modified);
        if (!_byId.TryGetValue(advisory.Id, out var existing))
        {
            _byId.Add(advisory.Id, advisory);
            return;
        }

        var (newer, older) = (advisory.Modified ?? DateTimeOffset.MinValue) > (existing.Modified ?? DateTimeOffset.MinValue)
            ? (advisory, existing)
            : (existing, advisory);
        newer.Summary ??= older.Summary;
        newer.Details ??= older.Details;
        newer.Published ??= older.Published;
        if (newer.VendorSeverity == Contracts.Severity.Unknown)
        {
            newer.VendorSeverity = older.VendorSeverity;
            newer.VendorSeveritySource = older.VendorSeveritySource;
        }

        newer.BareScore ??= older.BareScore;
        UnionInto(newer.Aliases, older.Aliases);
        UnionInto(newer.Upstream, older.Upstream);
        UnionInto(newer.Related, older.Related);
        UnionInto(newer.Cwes, older.Cwes);
        UnionInto(newer.References, older.References);
        foreach (var vector in older.Cvss)
        {
            if (!newer.Cvss.Exists(c => string.Equals(c.Vector, vector.Vector, StringComparison.Ordinal)))
            {
                newer.Cvss.Add(vector);
            }
        }

        newer.Sources.UnionWith(older.Sources);
        var keys = newer.Affected.Select((e, i) => (Key: AffectedKey(e), Index: i)).DistinctBy(x => x.Key, StringComparer.Ordinal)
            .ToDictionary(x => x.Key, x => x.Index, StringComparer.Ordinal);
        foreach (var entry in older.Affected)
        {
            if (keys.TryGetValue(AffectedKey(entry), out var index))
            {
                // The same entry from two feeds (a DSA's OSV form and its tracker line): keep the urgency either gives.
                if (newer.Affected[index].Severity == Contracts.Severity.Unknown && entry.Severity != Contracts.Severity.Unknown)
                {
                    newer.Affected[index] = newer.Affected[index] with { Severity = entry.Severity };
                }

                continue;
            }

            keys.Add(AffectedKey(entry), newer.Affected.Count);
            newer.Affected.Add(entry);
        }

        _byId[advisory.Id] = newer;
    }

    public void AddKev(IEnumerable<KevEntry> entries, DateTimeOffset? released)
    {
        foreach (var entry in entries)
        {
            Kev.Add(entry);
            CountRecord(KevParser.FeedSource, released);
        }
    }

    public void AddPublishedSecretValues(IEnumerable<string> values, string source)
    {
        foreach (var value in values)
        {
            if (PublishedSecretValues.Add(value))
            {
                CountRecord(source, null);
            }
        }
    }

    private void CountRecord(string source, DateTimeOffset? modified)
    {
        _sources.TryGetValue(source, out var stats);
        _sources[source] = new SourceStats(stats.Records + 1,
            modified is { } m && (stats.NewestModified is null || m > stats.NewestModified) ? m : stats.NewestModified);
    }

    private static void UnionInto(List<string> target, List<string> other)
    {
        foreach (var item in other)
        {
            if (!target.Contains(item, StringComparer.Ordinal))
            {
                target.Add(item);
            }
        }
    }

    private static string AffectedKey(AffectedEntry e) =>
        string.Join('\u001f', e.Ecosystem, e.Name, e.Status ?? "",
            string.Join(';', e.Ranges.Select(r => r.Type + ":" + string.Join(',', r.Events.Select(ev => ev.Kind + "=" + ev.Version)))),
            string.Join(',', e.Versions));
}

internal readonly record struct SourceStats(int Records, DateTimeOffset? NewestModified);
