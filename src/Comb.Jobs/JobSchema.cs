using System.Data.Common;

namespace Comb.Jobs;

/// <summary>
/// The queue's tables, versioned apart from the scan store's so both can share one database. Applied once when the
/// host opens the queue, all missing steps in one transaction; safe when several processes open at once.
/// </summary>
internal static class JobSchema
{
    public const string Table = "jobs";

    private static readonly (int Version, string Sql)[] Steps =
    [
        (1, """
            CREATE TABLE jobs (
              id TEXT PRIMARY KEY, kind TEXT NOT NULL, payload TEXT NOT NULL, dedupe_key TEXT,
              state TEXT NOT NULL, attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL,
              last_error TEXT, error_kind TEXT, result TEXT,
              progress_current BIGINT, progress_total BIGINT, progress_message TEXT,
              created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT, next_attempt_at BIGINT NOT NULL,
              lease_owner TEXT, lease_token TEXT, lease_expires_at BIGINT, cancel_requested INTEGER NOT NULL);
            CREATE UNIQUE INDEX ux_jobs_dedupe ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
            CREATE INDEX ix_jobs_ready ON jobs (state, next_attempt_at);
            CREATE INDEX ix_jobs_lease ON jobs (state, lease_expires_at)
            """),
    ];

    public static int Latest => Steps[^1].Version;

    /// <summary>The advisory lock key the queue's migrations hold on PostgreSQL (the enqueue lock is the next one).</summary>
    private const long MigrationLock = 4242101;

    /// <summary>
    /// Applies the missing steps in one transaction. On PostgreSQL an advisory lock taken first makes concurrent opens
    /// wait for each other: even CREATE TABLE IF NOT EXISTS races in PostgreSQL's catalog (a duplicate pg_type row) when
    /// two sessions run it at once. On SQLite the write transaction (BEGIN IMMEDIATE) already serialises.
    /// </summary>
    public static async Task ApplyAsync(DbConnection connection, bool postgres, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!postgres)
        {
            // Persistent in the file: readers never block the writer that claims.
            await JobDb.ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL", cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        if (postgres)
        {
            // Released at commit or rollback, also when the connection breaks.
            await JobDb.ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLock})", cancellationToken).ConfigureAwait(false);
        }

        await JobDb.ExecuteAsync(connection, transaction, "CREATE TABLE IF NOT EXISTS job_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
        foreach (var (version, sql) in Steps)
        {
            if (await IsAppliedAsync(connection, transaction, version, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await JobDb.ExecuteAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
            }

            await JobDb.ExecuteAsync(connection, transaction, "INSERT INTO job_migrations (version, applied_at) VALUES (@v, @t)", cancellationToken,
                ("v", version), ("t", time.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> IsAppliedAsync(DbConnection connection, DbTransaction transaction, int version, CancellationToken cancellationToken) =>
        JobDb.ToLong((await JobDb.ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM job_migrations WHERE version = @v", cancellationToken, ("v", version)).ConfigureAwait(false))!) > 0;
}
