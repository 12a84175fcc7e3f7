using System.Data.Common;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>Versioned schema changes, applied in order inside one transaction each; safe when several processes open at once.</summary>
internal static class Migrations
{
    private static readonly (int Version, string Sqlite, string Postgres)[] Steps =
    [
        (1, Schema1("BLOB"), Schema1("BYTEA")),

        (2, Schema2, Schema2),

        (3, Schema3("BLOB"), Schema3("BYTEA")),

        (4, Schema4("BLOB"), Schema4("BYTEA")),

        (5, Schema5, Schema5),

        (6, ScanStore.RuntimeSchema("BLOB"), ScanStore.RuntimeSchema("BYTEA")),

        (7, Schema7, Schema7),

        (8, Schema8, Schema8),

        (9, Schema9, Schema9),

        (10, "", Schema10Postgres),

        (11, Schema11, Schema11),

        (12, Schema12("BLOB"), Schema12("BYTEA")),

        (13, Schema13("BLOB"), Schema13("BYTEA")),

        (14, Schema14, Schema14),
    ];

    /// <summary>Work a step does in code between its statements, where SQL alone cannot (a step's statements after the marker run after it).</summary>
    private static readonly Dictionary<int, Func<DbConnection, DbTransaction, CancellationToken, Task>> Code = new()
    {
        [11] = RebuildFindingRowsAsync,
    };

    /// <summary>Splits a step's statements into those run before its code and those run after.</summary>
    private const string AfterCode = "-- after code";

    public static int Latest => Steps[^1].Version;

    // Impact queries join findings to the latest scan of each image by scan id; history looks images up by id too.
    private const string Schema2 = "CREATE INDEX ix_latest_scan ON image_latest (scan_id); CREATE INDEX ix_scans_image ON scans (image_id, created_at)";

    // The console's fleet figures by SQL: known-exploited findings, each scan's trust outcome (NULL for older scans), and
    // one view of every stored finding row per scan, whether kept with its scan or in a shared finding set.
    private const string Schema5 = """
        ALTER TABLE scan_vulns ADD COLUMN kev INTEGER;
        ALTER TABLE finding_rows ADD COLUMN kev INTEGER;
        ALTER TABLE scans ADD COLUMN trust TEXT;
        CREATE INDEX ix_vulns_package ON scan_vulns (package);
        CREATE INDEX ix_finding_rows_package ON finding_rows (package);
        CREATE VIEW scan_finding_rows AS
          SELECT scan_id, vuln_id, primary_id, package, version, type, severity, fixed, status, layer, path, kev FROM scan_vulns
          UNION ALL
          SELECT r.scan_id, f.vuln_id, f.primary_id, f.package, f.version, f.type, f.severity, f.fixed, f.status, f.layer, f.path, f.kev
            FROM finding_rows f JOIN scan_findings r ON r.set_digest = f.set_digest
        """;

    // A counter every change to the stored scans bumps in its own transaction, so readers can tell in one indexed read
    // whether figures they computed before (the console's dashboard) are still current, whichever process wrote; and
    // the dashboard trend's columns in one index, so it never reads the rows that carry the (large) reports.
    private const string Schema7 = """
        CREATE TABLE store_changes (id INTEGER PRIMARY KEY, version BIGINT NOT NULL);
        INSERT INTO store_changes (id, version) VALUES (1, 0);
        CREATE INDEX ix_scans_trend ON scans (digest, created_at, id, critical, high, medium, low, unknown)
        """;

    // The console's "has a fix" filter probes each image's findings for one with a fixed version: partial indexes
    // hold only those rows, so the probe is one index lookup instead of a walk over every finding of the image.
    private const string Schema8 = """
        CREATE INDEX ix_finding_rows_fixed ON finding_rows (set_digest) WHERE fixed <> '';
        CREATE INDEX ix_vulns_fixed ON scan_vulns (scan_id) WHERE fixed <> ''
        """;

    // A re-check whose report is an earlier scan's but for its id, time, database build and trigger is kept as a
    // repeat: its own scans row (counts, verdict) with an empty document and same_as naming the scan whose document it
    // shares, and copies of that scan's set references, so every query by scan id reads it as a full record. The Comb
    // version and diagnostic count of each scan, and the source package of each stored package ('' for none), let a
    // rescan tell which stored scans an advisory update cannot change without reading them (older rows hold NULL:
    // those are re-checked in full).
    private const string Schema9 = """
        ALTER TABLE scans ADD COLUMN same_as TEXT;
        ALTER TABLE scans ADD COLUMN tool_version TEXT;
        ALTER TABLE scans ADD COLUMN diagnostics INTEGER;
        ALTER TABLE set_packages ADD COLUMN source TEXT;
        CREATE INDEX ix_scans_same_as ON scans (same_as) WHERE same_as IS NOT NULL
        """;

    // PostgreSQL writers mark changes by drawing from a sequence instead of updating the store_changes row, whose lock
    // made concurrent writers wait for each other's commit; it continues from the row's count. SQLite keeps the row.
    private const string Schema10Postgres = """
        CREATE SEQUENCE store_changes_seq;
        SELECT setval('store_changes_seq', version + 1, false) FROM store_changes WHERE id = 1
        """;

    // Inventories kept once per distinct package set (by content digest), with a row per package for impact queries;
    // scans recorded before keep their packages in their report and in scan_packages, and are read as they are.
    // A finding's ids (its id and aliases) kept once per distinct list, not as a row per id in every finding set: one
    // row per finding names its list by key. finding_rows is rebuilt from the finding sets it indexes (their stored
    // findings are unchanged), and the view of every finding row per scan keeps its shape (a row per id).
    private const string Schema11 = """
        DROP VIEW scan_finding_rows;
        DROP INDEX ix_finding_rows_id;
        DELETE FROM finding_rows;
        ALTER TABLE finding_rows DROP COLUMN vuln_id;
        ALTER TABLE finding_rows ADD COLUMN ids TEXT NOT NULL DEFAULT '';
        CREATE TABLE finding_ids (ids TEXT NOT NULL, vuln_id TEXT NOT NULL, PRIMARY KEY (ids, vuln_id));
        CREATE INDEX ix_finding_ids_id ON finding_ids (vuln_id, ids)
        -- after code;
        CREATE INDEX ix_finding_rows_ids ON finding_rows (ids, set_digest);
        CREATE VIEW scan_finding_rows AS
          SELECT scan_id, vuln_id, primary_id, package, version, type, severity, fixed, status, layer, path, kev FROM scan_vulns
          UNION ALL
          SELECT r.scan_id, i.vuln_id, f.primary_id, f.package, f.version, f.type, f.severity, f.fixed, f.status, f.layer, f.path, f.kev
            FROM finding_rows f JOIN finding_ids i ON i.ids = f.ids JOIN scan_findings r ON r.set_digest = f.set_digest
        """;

    // Advisory texts (title, description, references, CWEs) kept once by content; finding sets recorded from now on hold
    // each finding without its text and the digest of the text. Sets stored before hold whole findings and are read as such.
    private static string Schema12(string blob) => $"CREATE TABLE finding_texts (digest TEXT PRIMARY KEY, data {blob} NOT NULL)";

    // Finding cores (a finding without its layer, path and advisory text) once by content: finding sets written from now
    // on hold per finding its core's digest and where it was found. Sets stored before are read as they are.
    private static string Schema13(string blob) => $"CREATE TABLE finding_cores (digest TEXT PRIMARY KEY, data {blob} NOT NULL)";

    // A count of prunes that deleted scans: a writer that sees it move since its last write forgets which finding cores,
    // texts and id lists it knew stored (another process may have pruned them).
    private const string Schema14 = "CREATE TABLE store_prunes (id INTEGER PRIMARY KEY, version BIGINT NOT NULL); INSERT INTO store_prunes (id, version) VALUES (1, 0)";

    /// <summary>Writes finding_rows (and finding_ids) anew from every stored finding set, as recording them now would.</summary>
    private static async Task RebuildFindingRowsAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var digests = await Sql.QueryAsync(connection, "SELECT digest FROM finding_sets", r => r.GetString(0), cancellationToken, transaction).ConfigureAwait(false);
        var ids = new FindingIdLists();
        foreach (var chunk in digests.Chunk(200))
        {
            var sets = await Sql.QueryInAsync(connection, "SELECT digest, data FROM finding_sets WHERE digest IN ({keys})", chunk,
                r => (r.GetString(0), (IReadOnlyList<VulnerabilityFinding>)(ContentAddressedBlobs<StoredFindings>.Decode((byte[])r[1])?.Findings ?? [])), cancellationToken, transaction)
                .ConfigureAwait(false);
            var (rows, lists) = FindingSetStore.FindingRows(sets);
            await Sql.InsertRowsAsync(connection, transaction, FindingSetStore.FindingRowsInsert, rows, "", cancellationToken).ConfigureAwait(false);
            await ids.WriteAsync(connection, transaction, lists, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Schema3(string blob) => $"""
        CREATE TABLE package_sets (digest TEXT PRIMARY KEY, kind TEXT NOT NULL, file_path TEXT NOT NULL, packages INTEGER NOT NULL, data {blob} NOT NULL);
        CREATE TABLE set_packages (set_digest TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, type TEXT NOT NULL, purl TEXT, layer TEXT, path TEXT);
        CREATE INDEX ix_set_packages_name ON set_packages (name, version);
        CREATE INDEX ix_set_packages_set ON set_packages (set_digest);
        CREATE TABLE scan_sets (scan_id TEXT NOT NULL, ordinal INTEGER NOT NULL, set_digest TEXT NOT NULL, PRIMARY KEY (scan_id, ordinal));
        CREATE INDEX ix_scan_sets_set ON scan_sets (set_digest)
        """;

    // Findings kept once per distinct finding set (the findings of one package set, by content digest), with a row per
    // finding id and alias as the impact index; scans recorded before keep theirs in their report and in scan_vulns.
    private static string Schema4(string blob) => $"""
        CREATE TABLE finding_sets (digest TEXT PRIMARY KEY, findings INTEGER NOT NULL, data {blob} NOT NULL);
        CREATE TABLE finding_rows (set_digest TEXT NOT NULL, vuln_id TEXT NOT NULL, primary_id TEXT NOT NULL, package TEXT NOT NULL, version TEXT NOT NULL,
          type TEXT, severity TEXT, fixed TEXT, status TEXT, layer TEXT, path TEXT);
        CREATE INDEX ix_finding_rows_id ON finding_rows (vuln_id, set_digest);
        CREATE INDEX ix_finding_rows_set ON finding_rows (set_digest);
        CREATE TABLE scan_findings (scan_id TEXT NOT NULL, ordinal INTEGER NOT NULL, set_digest TEXT NOT NULL, PRIMARY KEY (scan_id, ordinal));
        CREATE INDEX ix_scan_findings_set ON scan_findings (set_digest, scan_id)
        """;

    private static string Schema1(string blob) => $"""
        CREATE TABLE scans (
          id TEXT PRIMARY KEY, created_at TEXT NOT NULL, reference TEXT NOT NULL, registry TEXT, repository TEXT, tag TEXT,
          digest TEXT NOT NULL, image_id TEXT NOT NULL, db_version TEXT, trigger_source TEXT, verdict TEXT,
          critical INTEGER NOT NULL, high INTEGER NOT NULL, medium INTEGER NOT NULL, low INTEGER NOT NULL, unknown INTEGER NOT NULL,
          packages INTEGER NOT NULL, secrets INTEGER NOT NULL, malware INTEGER NOT NULL, misconfigs INTEGER NOT NULL,
          report {blob} NOT NULL);
        CREATE INDEX ix_scans_digest ON scans (digest, created_at);
        CREATE INDEX ix_scans_reference ON scans (reference, created_at);
        CREATE INDEX ix_scans_repository ON scans (repository, created_at);
        CREATE INDEX ix_scans_created ON scans (created_at);
        CREATE TABLE scan_packages (scan_id TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, type TEXT NOT NULL, purl TEXT, layer TEXT, path TEXT);
        CREATE INDEX ix_packages_name ON scan_packages (name, version);
        CREATE INDEX ix_packages_scan ON scan_packages (scan_id);
        CREATE TABLE scan_vulns (scan_id TEXT NOT NULL, vuln_id TEXT NOT NULL, primary_id TEXT NOT NULL, package TEXT NOT NULL, version TEXT NOT NULL,
          type TEXT, severity TEXT, fixed TEXT, status TEXT, layer TEXT, path TEXT);
        CREATE INDEX ix_vulns_id ON scan_vulns (vuln_id);
        CREATE INDEX ix_vulns_scan ON scan_vulns (scan_id);
        CREATE TABLE image_latest (digest TEXT PRIMARY KEY, scan_id TEXT NOT NULL, created_at TEXT NOT NULL);
        """;

    public static async Task ApplyAsync(ScanStore store, int upTo, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await Sql.ExecAsync(connection, null, "CREATE TABLE IF NOT EXISTS comb_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)", cancellationToken).ConfigureAwait(false);
        foreach (var (version, sqlite, postgres) in Steps.Where(s => s.Version <= upTo))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            if (store.IsPostgres)
            {
                // Serialises concurrent first opens across processes; released at commit.
                await Sql.ExecAsync(connection, transaction, "SELECT pg_advisory_xact_lock(4242001)", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Takes SQLite's write lock now, so two processes never both decide to migrate.
                await Sql.ExecAsync(connection, transaction, "INSERT INTO comb_migrations (version, applied_at) SELECT -1, '' WHERE 0", cancellationToken).ConfigureAwait(false);
            }

            var applied = await Sql.QueryAsync(connection, "SELECT COUNT(*) FROM comb_migrations WHERE version = @v",
                r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), cancellationToken, transaction, ("v", version)).ConfigureAwait(false);
            if (applied[0] == 0)
            {
                var parts = (store.IsPostgres ? postgres : sqlite).Split(AfterCode);
                for (var part = 0; part < parts.Length; part++)
                {
                    if (part > 0 && Code.TryGetValue(version, out var code))
                    {
                        await code(connection, transaction, cancellationToken).ConfigureAwait(false);
                    }

                    foreach (var statement in parts[part].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        await Sql.ExecAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
                    }
                }

                await Sql.ExecAsync(connection, transaction, "INSERT INTO comb_migrations (version, applied_at) VALUES (@v, @t)", cancellationToken,
                    ("v", version), ("t", ScanStore.Timestamp(DateTimeOffset.UtcNow))).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
