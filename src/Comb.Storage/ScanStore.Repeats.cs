using System.Data.Common;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// A re-check whose report is a stored scan's but for its id, time, advisory database build and trigger: recorded as
/// a repeat of <paramref name="Of"/> (a scans row of its own, sharing that scan's document, sets and findings).
/// </summary>
public sealed record ScanRepeat(string Of, string Digest, DateTimeOffset CreatedAt, string? AdvisoryDbVersion, string? Trigger);

/// <summary>One re-check to record: a report written whole, or a repeat of a stored scan.</summary>
public sealed record Recheck(ScanReport? Report, ScanRepeat? Repeat)
{
    public static Recheck Whole(ScanReport report) => new(report, null);

    public static Recheck Same(ScanRepeat repeat) => new(null, repeat);
}

public sealed partial class ScanStore
{
    private static readonly byte[] NoDocument = [];

    /// <summary>
    /// Records re-checks (each with a new id) in one transaction and returns their ids in order: reports whole as
    /// <see cref="RecordAllAsync"/> does, repeats in a few set-based statements that copy the summary and references
    /// of the scan they repeat (no document, no finding set is written for them).
    /// </summary>
    public async Task<IReadOnlyList<string>> RecordRechecksAsync(IReadOnlyList<Recheck> rechecks, CancellationToken cancellationToken)
    {
        var ids = rechecks.Select(r => NewScanId(r.Report?.CreatedAt ?? r.Repeat!.CreatedAt)).ToList();
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var whole = rechecks.Select((r, i) => (r.Report, Id: ids[i])).Where(r => r.Report is not null).Select(r => (r.Report!, r.Id)).ToList();
        if (whole.Count > 0)
        {
            await WriteAsync(whole, connection, transaction, cancellationToken).ConfigureAwait(false);
        }

        var repeats = rechecks.Select((r, i) => (r.Repeat, Id: ids[i])).Where(r => r.Repeat is not null).Select(r => (r.Repeat!, r.Id)).ToList();
        await WriteRepeatsAsync(repeats, connection, transaction, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ids;
    }

    /// <summary>Repeats of stored scans: their ids and times into a scratch table, then one INSERT ... SELECT per table.</summary>
    private async Task WriteRepeatsAsync(IReadOnlyList<(ScanRepeat Repeat, string Id)> repeats, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (repeats.Count == 0)
        {
            return;
        }

        await FindingSetStore.LockForWriteAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var scratch = IsPostgres
            ? "CREATE TEMP TABLE IF NOT EXISTS scan_repeats (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, of_id TEXT NOT NULL, db_version TEXT, trigger_source TEXT) ON COMMIT DROP"
            : "CREATE TEMP TABLE IF NOT EXISTS scan_repeats (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, of_id TEXT NOT NULL, db_version TEXT, trigger_source TEXT)";
        await Sql.ExecAsync(connection, transaction, scratch, cancellationToken).ConfigureAwait(false);
        await Sql.ExecAsync(connection, transaction, "DELETE FROM scan_repeats", cancellationToken).ConfigureAwait(false);
        await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO scan_repeats (id, created_at, of_id, db_version, trigger_source)",
            [.. repeats.Select(r => new object?[] { r.Id, Timestamp(r.Repeat.CreatedAt), r.Repeat.Of, r.Repeat.AdvisoryDbVersion, r.Repeat.Trigger })], "", cancellationToken).ConfigureAwait(false);

        // A repeat of a repeat shares the document of the scan recorded whole.
        await using (var scans = Sql.Command(connection, transaction, """
            INSERT INTO scans (id, created_at, reference, registry, repository, tag, digest, image_id, db_version, trigger_source, verdict,
                               critical, high, medium, low, unknown, packages, secrets, malware, misconfigs, trust, report, same_as, tool_version, diagnostics)
            SELECT r.id, r.created_at, s.reference, s.registry, s.repository, s.tag, s.digest, s.image_id, r.db_version, r.trigger_source, s.verdict,
                   s.critical, s.high, s.medium, s.low, s.unknown, s.packages, s.secrets, s.malware, s.misconfigs, s.trust, @none, COALESCE(s.same_as, s.id), s.tool_version,
                   s.diagnostics
            FROM scan_repeats r JOIN scans s ON s.id = r.of_id
            """))
        {
            Sql.Bind(scans, ("none", NoDocument));
            var written = await scans.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (written != repeats.Count)
            {
                throw new InvalidOperationException($"{repeats.Count - written} of the scans a re-check repeats are no longer stored");
            }
        }

        foreach (var statement in new[]
        {
            "INSERT INTO scan_sets (scan_id, ordinal, set_digest) SELECT r.id, x.ordinal, x.set_digest FROM scan_repeats r JOIN scan_sets x ON x.scan_id = r.of_id",
            "INSERT INTO scan_findings (scan_id, ordinal, set_digest) SELECT r.id, x.ordinal, x.set_digest FROM scan_repeats r JOIN scan_findings x ON x.scan_id = r.of_id",
            """
            INSERT INTO scan_vulns (scan_id, vuln_id, primary_id, package, version, type, severity, fixed, status, layer, path, kev)
            SELECT r.id, x.vuln_id, x.primary_id, x.package, x.version, x.type, x.severity, x.fixed, x.status, x.layer, x.path, x.kev FROM scan_repeats r JOIN scan_vulns x ON x.scan_id = r.of_id
            """,
            """
            INSERT INTO scan_packages (scan_id, name, version, type, purl, layer, path)
            SELECT r.id, x.name, x.version, x.type, x.purl, x.layer, x.path FROM scan_repeats r JOIN scan_packages x ON x.scan_id = r.of_id
            """,
        })
        {
            await Sql.ExecAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
        }

        var latest = new Dictionary<string, (string Id, string Created)>(StringComparer.Ordinal);
        foreach (var (repeat, id) in repeats)
        {
            var createdAt = Timestamp(repeat.CreatedAt);
            if (!latest.TryGetValue(repeat.Digest, out var seen) || string.CompareOrdinal(createdAt, seen.Created) >= 0)
            {
                latest[repeat.Digest] = (id, createdAt);
            }
        }

        await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO image_latest (digest, scan_id, created_at)",
            [.. latest.Select(l => new object?[] { l.Key, l.Value.Id, l.Value.Created })], """
            ON CONFLICT (digest) DO UPDATE SET scan_id = excluded.scan_id, created_at = excluded.created_at
            WHERE excluded.created_at >= image_latest.created_at
            """, cancellationToken).ConfigureAwait(false);
        await BumpChangesAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Before scans are deleted, every repeat that outlives the scan it shares a document with takes that document:
    /// the oldest such repeat is recorded whole (its own id, time, build and trigger) and the others repeat it.
    /// </summary>
    private static async Task KeepSharedDocumentsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<string> doomed, CancellationToken cancellationToken)
    {
        var gone = doomed.ToHashSet(StringComparer.Ordinal);
        foreach (var id in doomed)
        {
            var repeats = await Sql.QueryAsync(connection, "SELECT id, created_at, db_version, trigger_source FROM scans WHERE same_as = @id ORDER BY created_at, id",
                r => (Id: r.GetString(0), CreatedAt: r.GetString(1), Db: Nullable(r, 2), Trigger: Nullable(r, 3)), cancellationToken, transaction, ("id", id)).ConfigureAwait(false);
            if (repeats.FirstOrDefault(r => !gone.Contains(r.Id)) is not { Id: not null } heir)
            {
                continue;
            }

            var blob = (await Sql.QueryAsync(connection, "SELECT report FROM scans WHERE id = @id", r => (byte[])r[0], cancellationToken, transaction, ("id", id)).ConfigureAwait(false))[0];
            var document = ReportSerializer.Decompress(blob) with { ScanId = heir.Id, CreatedAt = ParseTimestamp(heir.CreatedAt), AdvisoryDbVersion = heir.Db, Trigger = heir.Trigger };
            await Sql.ExecAsync(connection, transaction, "UPDATE scans SET report = @report, same_as = NULL WHERE id = @id", cancellationToken,
                ("report", ReportSerializer.Compress(document)), ("id", heir.Id)).ConfigureAwait(false);
            await Sql.ExecAsync(connection, transaction, "UPDATE scans SET same_as = @heir WHERE same_as = @id", cancellationToken, ("heir", heir.Id), ("id", id)).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// What an advisory database update changed, as a rescan asks the store: the current build, whether a change names a
/// stored package (name, type, source package or "" for none or null when not recorded, purl), and the ids of
/// changed records. A stored scan none of whose packages is named and none of whose findings carries one of the ids
/// would be re-checked into the same report.
/// </summary>
public sealed record UpdateScope(string CurrentDbVersion, Func<string, string, string?, string?, bool> Touches, IReadOnlyCollection<string> Ids);

/// <summary>A stored image an update could not change, recorded as a repeat of its newest scan without reading it.</summary>
public sealed record RepeatedImage(string Reference, string PreviousScanId, string ScanId);

public sealed partial class ScanStore
{
    // Newest scans a rescan may repeat unread: checked against a known build by a known Comb version, without a
    // policy verdict or diagnostics (a re-check could differ there), findings in finding sets, packages in package sets.
    private const string RepeatableLatest = """
        FROM image_latest l JOIN scans s ON s.id = l.scan_id
        WHERE s.db_version IS NOT NULL AND s.tool_version IS NOT NULL AND s.verdict IS NULL AND s.diagnostics = 0
          AND EXISTS (SELECT 1 FROM scan_sets x WHERE x.scan_id = l.scan_id)
          AND NOT EXISTS (SELECT 1 FROM scan_vulns x WHERE x.scan_id = l.scan_id)
          AND NOT EXISTS (SELECT 1 FROM scan_packages x WHERE x.scan_id = l.scan_id)
        """;

    /// <summary>The (advisory build, Comb version) pairs of the newest scans a rescan may repeat unread.</summary>
    public async Task<IReadOnlyList<(string DbVersion, string ToolVersion)>> RepeatableBuildsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, $"SELECT DISTINCT s.db_version, s.tool_version {RepeatableLatest}",
            r => (r.GetString(0), r.GetString(1)), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records, as repeats, the newest scans checked against <paramref name="dbVersion"/> by <paramref name="toolVersion"/>
    /// that <paramref name="scope"/> cannot have changed: found by index over the package and finding rows (the images
    /// holding a named package or a finding with a changed id), the rest repeated in set-based statements.
    /// </summary>
    public async Task<IReadOnlyList<RepeatedImage>> RepeatUntouchedAsync(string dbVersion, string toolVersion, UpdateScope scope, string trigger, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        var eligible = await Sql.QueryAsync(connection, $"SELECT l.scan_id, l.digest, s.reference {RepeatableLatest} AND s.db_version = @v AND s.tool_version = @t",
            r => (Id: r.GetString(0), Digest: r.GetString(1), Reference: r.GetString(2)), cancellationToken, ("v", dbVersion), ("t", toolVersion)).ConfigureAwait(false);
        if (eligible.Count == 0)
        {
            return [];
        }

        // Distinct stored packages are few next to package rows (a fleet shares its bases); the scope judges each once.
        var named = (await Sql.QueryAsync(connection, "SELECT DISTINCT name, type, source, purl FROM set_packages",
                r => (Name: r.GetString(0), Type: r.GetString(1), Source: Nullable(r, 2), Purl: Nullable(r, 3)), cancellationToken).ConfigureAwait(false))
            .Where(p => scope.Touches(p.Name, p.Type, p.Source, p.Purl)).Select(p => p.Name).Distinct(StringComparer.Ordinal).ToList();
        var touched = new HashSet<string>(StringComparer.Ordinal);
        touched.UnionWith(await Sql.QueryInAsync(connection, """
            SELECT DISTINCT r.scan_id FROM set_packages p JOIN scan_sets r ON r.set_digest = p.set_digest JOIN image_latest l ON l.scan_id = r.scan_id
            WHERE p.name IN ({keys})
            """, named, r => r.GetString(0), cancellationToken).ConfigureAwait(false));
        touched.UnionWith(await Sql.QueryInAsync(connection, """
            SELECT DISTINCT r.scan_id FROM finding_ids i JOIN finding_rows f ON f.ids = i.ids JOIN scan_findings r ON r.set_digest = f.set_digest
              JOIN image_latest l ON l.scan_id = r.scan_id
            WHERE i.vuln_id IN ({keys})
            """, scope.Ids, r => r.GetString(0), cancellationToken).ConfigureAwait(false));

        var untouched = eligible.Where(e => !touched.Contains(e.Id)).Select(e => (e, Id: NewScanId(now))).ToList();
        if (untouched.Count == 0)
        {
            return [];
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await WriteRepeatsAsync([.. untouched.Select(u => (new ScanRepeat(u.e.Id, u.e.Digest, now, scope.CurrentDbVersion, trigger), u.Id))], connection, transaction, cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. untouched.Select(u => new RepeatedImage(u.e.Reference, u.e.Id, u.Id))];
    }
}
