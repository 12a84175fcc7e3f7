using System.Data.Common;
using Comb.Contracts;
using FindingBlobs = Comb.Storage.ContentAddressedBlobs<Comb.Storage.StoredFindings>;

namespace Comb.Storage;

/// <summary>
/// Vulnerability findings kept once by content, one finding set per package set of a scan: the findings of a shared
/// base are the same in every image built on it and in every re-check that finds nothing new, so they are stored once,
/// with one row per finding (the impact index, its ids kept once per distinct list) and each advisory's text kept once
/// apart, and scans refer to them by digest. A report whose findings cannot be split this way (a finding for no package
/// of its sets, an order the split cannot restore) keeps them in its report document, as scans recorded before
/// finding sets do.
/// </summary>
internal sealed class FindingSetStore
{
    private readonly FindingBlobs _blobs = new("finding_sets", "finding set");
    private readonly FindingSetForms _forms = new();
    private readonly FindingIdLists _ids = new();
    private readonly AdvisoryTexts _texts = new();
    private readonly FindingCores _cores;

    /// <summary>The prune count this process last saw in the store; -1 before the first write.</summary>
    private long _prunesSeen = -1;

    public FindingSetStore() => _cores = new FindingCores(_texts);

    /// <summary>
    /// The advisory lock (PostgreSQL) writers of scans hold shared from before they ask which package sets, finding
    /// sets, cores, texts and id lists are stored (or copy a repeated scan's references) until they commit, and a prune
    /// holds exclusive: what a writer found stored and did not write is not deleted before the scan referring to it is
    /// visible to the prune.
    /// </summary>
    private const long PruneLock = 4242003;

    /// <summary>The columns of a finding's row: one per finding, its ids (the finding's id and aliases) by <see cref="FindingIdLists.KeyOf"/>.</summary>
    internal const string FindingRowsInsert = "INSERT INTO finding_rows (set_digest, primary_id, package, version, type, severity, fixed, status, layer, path, kev, ids)";

    /// <summary>
    /// The report's findings split by the package set each belongs to (one list per set, in set order), or null when
    /// they cannot be: reassembling the lists (<see cref="Assemble"/>) must give back exactly the report's list.
    /// </summary>
    public static List<VulnerabilityFinding>[]? Split(ScanReport report)
    {
        var sets = report.PackageSets;
        if (sets.Count == 0)
        {
            return report.Vulnerabilities.Count == 0 ? [] : null;
        }

        var owner = new Dictionary<(string, string, string, string?, string?), int>();
        for (var i = 0; i < sets.Count; i++)
        {
            foreach (var p in sets[i].Packages)
            {
                var key = (p.Name, p.Version, p.Type, p.Path, p.LayerDiffId);
                if (owner.TryGetValue(key, out var other) && other != i)
                {
                    owner[key] = -1; // in two sets: its findings cannot be told apart
                }
                else
                {
                    owner[key] = i;
                }
            }
        }

        var split = new List<VulnerabilityFinding>[sets.Count];
        for (var i = 0; i < split.Length; i++)
        {
            split[i] = [];
        }

        // Reassembling merges the lists by the matcher's order, ties in set order: that gives back the report's list
        // exactly when each finding sorts after the one before it (or ties with it from the same or an earlier set).
        VulnerabilityFinding? previous = null;
        var previousSet = -1;
        foreach (var f in report.Vulnerabilities)
        {
            if (!owner.TryGetValue((f.PackageName, f.InstalledVersion, f.PackageType, f.Path, f.LayerDiffId), out var set) || set < 0)
            {
                return null;
            }

            if (previous is not null && FindingOrder.Instance.Compare(previous, f) is var order && (order > 0 || (order == 0 && previousSet > set)))
            {
                return null;
            }

            split[set].Add(f);
            (previous, previousSet) = (f, set);
        }

        return split;
    }

    /// <summary>A scan's findings from its finding sets: in the matcher's order, ties in set order.</summary>
    public static List<VulnerabilityFinding> Assemble(IEnumerable<IReadOnlyList<VulnerabilityFinding>> sets)
    {
        var all = new List<(VulnerabilityFinding Finding, int Ordinal, int Index)>();
        var ordinal = 0;
        foreach (var set in sets)
        {
            for (var i = 0; i < set.Count; i++)
            {
                all.Add((set[i], ordinal, i));
            }

            ordinal++;
        }

        // One sort on a total order (set and place break every tie), so the result does not depend on the sort's stability.
        all.Sort(static (a, b) => FindingOrder.Instance.Compare(a.Finding, b.Finding) is var c && c != 0 ? c
            : a.Ordinal != b.Ordinal ? a.Ordinal.CompareTo(b.Ordinal) : a.Index.CompareTo(b.Index));
        var findings = new List<VulnerabilityFinding>(all.Count);
        foreach (var x in all)
        {
            findings.Add(x.Finding);
        }

        return findings;
    }

    /// <summary>Writes the finding sets of several scans in a few statements (as <see cref="PackageSetStore.WriteManyAsync"/>).</summary>
    public async Task WriteManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(string ScanId, List<VulnerabilityFinding>[] Sets)> scans, CancellationToken cancellationToken)
    {
        // The writer holds the prune lock shared from the start of its transaction (ScanStore.WriteAsync).
        await ForgetIfPrunedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var distinct = new Dictionary<string, List<VulnerabilityFinding>>(StringComparer.Ordinal);
        var offered = new List<object?[]>();
        var refs = new List<object?[]>();
        var serializing = RescanTrace.Start("record: finding sets: encode");
        foreach (var (scanId, sets) in scans)
        {
            for (var ordinal = 0; ordinal < sets.Length; ordinal++)
            {
                var set = sets[ordinal];
                var form = StoredFormOf(set);
                var digest = form.Digest;
                if (distinct.TryAdd(digest, set))
                {
                    offered.Add([digest, set.Count, form.Data]);
                }

                refs.Add([scanId, ordinal, digest]);
            }
        }

        serializing.Dispose();
        List<string> added;
        using (RescanTrace.Start("record: finding sets: sets"))
        {
            added = await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO finding_sets (digest, findings, data)", offered,
                "ON CONFLICT (digest) DO NOTHING RETURNING digest", cancellationToken).ConfigureAwait(false);
        }

        List<object?[]> rows;
        Dictionary<string, VulnerabilityFinding> lists;
        List<FindingCores.Encoded> cores;
        using (RescanTrace.Start("record: finding sets: index"))
        {
            // Each finding's core is already encoded (the set's form names it): its id list's key is the core's.
            cores = [.. added.SelectMany(d => distinct[d]).Select(_cores.Encode)];
            var core = 0;
            (rows, lists) = FindingRows(added.Select(d => (d, (IReadOnlyList<VulnerabilityFinding>)distinct[d])), _ => cores[core++].IdsKey);
        }

        using (RescanTrace.Start("record: finding sets: cores"))
        {
            await _cores.WriteAsync(connection, transaction, cores, cancellationToken).ConfigureAwait(false);
        }

        using (RescanTrace.Start("record: finding sets: rows"))
        {
            await Sql.InsertRowsAsync(connection, transaction, FindingRowsInsert, rows, "", cancellationToken).ConfigureAwait(false);
        }

        using (RescanTrace.Start("record: finding sets: ids"))
        {
            await _ids.WriteAsync(connection, transaction, lists, cancellationToken).ConfigureAwait(false);
        }

        await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO scan_findings (scan_id, ordinal, set_digest)", refs, "", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Forgets which cores, texts and id lists are stored when any process pruned since this one last looked: asked
    /// inside the writer's transaction, where no prune can run until it commits (the lock above; SQLite's one writer).
    /// </summary>
    private async Task ForgetIfPrunedAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var prunes = (await Sql.QueryAsync(connection, "SELECT version FROM store_prunes WHERE id = 1",
            r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), cancellationToken, transaction).ConfigureAwait(false))[0];
        if (Interlocked.Exchange(ref _prunesSeen, prunes) != prunes)
        {
            ForgetStored();
        }
    }

    /// <summary>Counts a prune that deleted scans, inside its transaction (see <see cref="ForgetIfPrunedAsync"/>).</summary>
    public static Task CountPruneAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Sql.ExecAsync(connection, transaction, "UPDATE store_prunes SET version = version + 1 WHERE id = 1", cancellationToken);

    /// <summary>Takes a writer's side of <see cref="PruneLock"/> (PostgreSQL), before the writer asks what is stored.</summary>
    public static async Task LockForWriteAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (connection is Npgsql.NpgsqlConnection)
        {
            await Sql.ExecAsync(connection, transaction, $"SELECT pg_advisory_xact_lock_shared({PruneLock})", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the prune's side of <see cref="PruneLock"/> (PostgreSQL), before the prune decides what no scan refers to.</summary>
    public static async Task LockForPruneAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (connection is Npgsql.NpgsqlConnection)
        {
            await Sql.ExecAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({PruneLock})", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes, inside the prune's transaction and after its finding sets went, the id lists no finding row names, the
    /// cores no finding set holds and the texts no such core or older set holds. References to cores and texts are
    /// inside the stored documents, so every remaining set (and each core it holds) is read once, without caching.
    /// </summary>
    public static async Task PruneAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        await Sql.ExecAsync(connection, transaction, "DELETE FROM finding_ids WHERE ids NOT IN (SELECT ids FROM finding_rows)", cancellationToken).ConfigureAwait(false);
        var liveCores = new HashSet<string>(StringComparer.Ordinal);
        var liveTexts = new HashSet<string>(StringComparer.Ordinal);
        var sets = await Sql.QueryAsync(connection, "SELECT digest FROM finding_sets", r => r.GetString(0), cancellationToken, transaction).ConfigureAwait(false);
        foreach (var chunk in sets.Chunk(200))
        {
            foreach (var set in await Sql.QueryInAsync(connection, "SELECT data FROM finding_sets WHERE digest IN ({keys})", chunk,
                r => FindingBlobs.Decode((byte[])r[0]), cancellationToken, transaction).ConfigureAwait(false))
            {
                liveCores.UnionWith(set?.Cores ?? []);
                liveTexts.UnionWith(set?.Texts.Where(t => t.Length > 0) ?? []);
            }
        }

        var cores = await Sql.QueryAsync(connection, "SELECT digest FROM finding_cores", r => r.GetString(0), cancellationToken, transaction).ConfigureAwait(false);
        await DeleteAsync(connection, transaction, "finding_cores", cores.Where(d => !liveCores.Contains(d)).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var core in await Sql.QueryInAsync(connection, "SELECT data FROM finding_cores WHERE digest IN ({keys})", liveCores,
            r => ContentAddressedBlobs<StoredCore>.Decode((byte[])r[0]), cancellationToken, transaction).ConfigureAwait(false))
        {
            if (core is { Text.Length: > 0 })
            {
                liveTexts.Add(core.Text);
            }
        }

        var texts = await Sql.QueryAsync(connection, "SELECT digest FROM finding_texts", r => r.GetString(0), cancellationToken, transaction).ConfigureAwait(false);
        await DeleteAsync(connection, transaction, "finding_texts", texts.Where(d => !liveTexts.Contains(d)).ToList(), cancellationToken).ConfigureAwait(false);
    }

    private static Task DeleteAsync(DbConnection connection, DbTransaction transaction, string table, IReadOnlyCollection<string> digests, CancellationToken cancellationToken) =>
        Sql.QueryInAsync(connection, $"DELETE FROM {table} WHERE digest IN ({{keys}}) RETURNING digest", digests, r => r.GetString(0), cancellationToken, transaction);

    /// <summary>Forgets which cores, texts and id lists are stored (after a prune's commit: it may have deleted some).</summary>
    public void ForgetStored()
    {
        _cores.ForgetStored();
        _texts.ForgetStored();
        _ids.ForgetStored();
    }

    /// <summary>Encodes the lists (as a write would) now, keeping their stored form for the write.</summary>
    public void EncodeAhead(IEnumerable<List<VulnerabilityFinding>> sets)
    {
        foreach (var set in sets)
        {
            StoredFormOf(set);
        }
    }

    /// <summary>A list's digest and gzip: kept from an earlier write or read of the same finding objects, else encoded now.</summary>
    private FindingSetForms.Form StoredFormOf(List<VulnerabilityFinding> set)
    {
        if (_forms.Find(set) is { Data: not null } known)
        {
            return known;
        }

        // Each finding as its core (kept once per package version and advisory, encoded once per process) and where it was found.
        var placed = new List<(string, string?, string?)>(set.Count);
        foreach (var finding in set)
        {
            placed.Add((_cores.Encode(finding).Digest, finding.LayerDiffId, finding.Path));
        }

        var (digest, json) = FindingBlobs.Serialize(StoredFindings.OfCores(placed));
        var form = new FindingSetForms.Form(digest, FindingBlobs.Compress(json));
        _forms.Remember(set, digest, form.Data);
        return form;
    }

    /// <summary>The findings of several scans from their finding sets; scans referring to none are absent.</summary>
    public async Task<Dictionary<string, List<VulnerabilityFinding>>> ReadManyAsync(DbConnection connection, IReadOnlyCollection<string> scanIds, CancellationToken cancellationToken)
    {
        var refs = await Sql.QueryInAsync(connection, "SELECT scan_id, ordinal, set_digest FROM scan_findings WHERE scan_id IN ({keys})", scanIds,
            r => (Scan: r.GetString(0), Ordinal: Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), Digest: r.GetString(2)), cancellationToken).ConfigureAwait(false);
        var blobs = await _blobs.GetManyAsync(connection, [.. refs.Select(r => r.Digest).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
        var sets = await WholeAsync(connection, blobs, cancellationToken).ConfigureAwait(false);
        return refs.GroupBy(r => r.Scan, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Assemble(g.OrderBy(r => r.Ordinal).Select(r => (IReadOnlyList<VulnerabilityFinding>)sets[r.Digest])), StringComparer.Ordinal);
    }

    /// <summary>
    /// The whole findings of stored sets: each finding with its advisory's text (those not in memory read in a few
    /// queries), put together once per set and kept with its stored form; a set read from the table is remembered
    /// with its data, so writing the same findings again encodes nothing.
    /// </summary>
    private async Task<Dictionary<string, List<VulnerabilityFinding>>> WholeAsync(DbConnection connection, Dictionary<string, (StoredFindings Value, byte[]? Loaded)> blobs,
        CancellationToken cancellationToken)
    {
        var pending = blobs.Values.Where(b => b.Value.Whole is null).Select(b => b.Value).ToList();
        var wanted = pending.SelectMany(b => b.Texts).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var texts = wanted.Count == 0 ? [] : await _texts.ReadAsync(connection, wanted, cancellationToken).ConfigureAwait(false);
        var wantedCores = pending.SelectMany(b => b.Cores).Distinct(StringComparer.Ordinal).ToList();
        var cores = wantedCores.Count == 0 ? [] : await _cores.ReadAsync(connection, wantedCores, cancellationToken).ConfigureAwait(false);
        var whole = new Dictionary<string, List<VulnerabilityFinding>>(blobs.Count, StringComparer.Ordinal);
        foreach (var (digest, (stored, loaded)) in blobs)
        {
            var findings = stored.Whole;
            if (findings is null)
            {
                if (stored.HasCores)
                {
                    findings = new List<VulnerabilityFinding>(stored.Cores.Count);
                    for (var i = 0; i < stored.Cores.Count; i++)
                    {
                        var (layer, path) = stored.Place(i);
                        findings.Add(StoredCore.Place(cores[stored.Cores[i]], layer, path));
                    }
                }
                else
                {
                    findings = stored.Texts.Count == 0 ? stored.Findings
                        : [.. stored.Findings.Select((f, i) => stored.Texts[i].Length == 0 ? f : texts[stored.Texts[i]].Restore(f))];
                }

                stored.Whole = findings;
            }

            if (loaded is not null)
            {
                _forms.Remember(findings, digest, loaded);
            }

            whole[digest] = findings;
        }

        return whole;
    }

    /// <summary>
    /// One row per finding of each set, and for each distinct id list among them a finding carrying it: a finding's
    /// id and aliases are kept once per distinct list (<see cref="FindingIdLists"/>), not once per finding.
    /// </summary>
    internal static (List<object?[]> Rows, Dictionary<string, VulnerabilityFinding> Lists) FindingRows(IEnumerable<(string Digest, IReadOnlyList<VulnerabilityFinding> Findings)> sets,
        Func<VulnerabilityFinding, string>? keyOf = null)
    {
        keyOf ??= FindingIdLists.KeyOf;
        var rows = new List<object?[]>();
        var lists = new Dictionary<string, VulnerabilityFinding>(StringComparer.Ordinal);
        foreach (var (digest, findings) in sets)
        {
            foreach (var v in findings)
            {
                var key = keyOf(v);
                lists.TryAdd(key, v);
                rows.Add([digest, v.Id, v.PackageName, v.InstalledVersion, v.PackageType, v.Severity.ToUpperName(), string.Join(", ", v.FixedVersions), v.Status,
                    v.LayerDiffId, v.Path, v.KnownExploited ? 1 : 0, key]);
            }
        }

        return (rows, lists);
    }

    /// <summary>One index row per finding id and alias (findings kept in their scan's report), so a CVE, GHSA or distro id all find the same finding.</summary>
    internal static IEnumerable<object?[]> IndexRows(string owner, IEnumerable<VulnerabilityFinding> findings) =>
        findings.SelectMany(v => FindingIdLists.IdsOf(v).Select(id => new object?[]
        {
            owner, id, v.Id, v.PackageName, v.InstalledVersion, v.PackageType, v.Severity.ToUpperName(), string.Join(", ", v.FixedVersions), v.Status,
            v.LayerDiffId, v.Path, v.KnownExploited ? 1 : 0,
        }));

    /// <summary>The order the matcher gives findings: package, version, path, most severe first, id.</summary>
    private sealed class FindingOrder : IComparer<VulnerabilityFinding>
    {
        public static readonly FindingOrder Instance = new();

        public int Compare(VulnerabilityFinding? a, VulnerabilityFinding? b)
        {
            var c = string.CompareOrdinal(a!.PackageName, b!.PackageName);
            c = c != 0 ? c : string.CompareOrdinal(a.InstalledVersion, b.InstalledVersion);
            c = c != 0 ? c : string.CompareOrdinal(a.Path, b.Path);
            c = c != 0 ? c : b.Severity.CompareTo(a.Severity);
            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        }
    }
}
