using System.Data.Common;
using Comb.Jobs;

namespace Comb.Server.Data;

/// <summary>
/// The server's own tables (tokens, audit log and what later steps add), in the same database as the scan store and
/// the queue, versioned apart from both. Opened once by the host, migrated at start-up, disposed with the host.
/// </summary>
public sealed class ServerDatabase : IAsyncDisposable
{
    private static readonly (int Version, string Sql)[] Steps =
    [
        (1, """
            CREATE TABLE api_tokens (
              id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
              created_at BIGINT NOT NULL, created_by TEXT, revoked_at BIGINT, last_used_at BIGINT);
            CREATE TABLE audit_log (
              id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
              target TEXT, detail TEXT, address TEXT);
            CREATE INDEX ix_audit_at ON audit_log (at)
            """),
        (2, """
            CREATE TABLE policies (
              name TEXT PRIMARY KEY, revision INTEGER NOT NULL, yaml TEXT NOT NULL,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT);
            CREATE TABLE policy_revisions (
              name TEXT NOT NULL, revision INTEGER NOT NULL, yaml TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT,
              PRIMARY KEY (name, revision));
            CREATE TABLE policy_exceptions (
              id TEXT PRIMARY KEY, policy TEXT NOT NULL, finding TEXT, package TEXT, image TEXT, rules TEXT NOT NULL,
              expires TEXT, reason TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT,
              updated_at BIGINT NOT NULL, updated_by TEXT, expired_at BIGINT);
            CREATE INDEX ix_policy_exceptions_policy ON policy_exceptions (policy)
            """),
        (3, """
            CREATE TABLE registries (
              name TEXT PRIMARY KEY, url TEXT NOT NULL, insecure INTEGER NOT NULL, auth TEXT NOT NULL, username TEXT, secret TEXT, credential_helper TEXT,
              filters TEXT NOT NULL, schedule TEXT, next_run_at BIGINT, last_scan_at BIGINT, last_error_kind TEXT, last_error TEXT, last_error_at BIGINT,
              errors INTEGER NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT);
            CREATE TABLE registry_images (
              registry TEXT NOT NULL, repository TEXT NOT NULL, tag TEXT NOT NULL, digest TEXT NOT NULL, event_at BIGINT NOT NULL, seen_at BIGINT NOT NULL,
              job_id TEXT, job_digest TEXT, job_key TEXT, job_db TEXT, scanned_digest TEXT, scanned_key TEXT, scanned_db TEXT, scan_id TEXT,
              failed INTEGER NOT NULL, error TEXT, PRIMARY KEY (registry, repository, tag));
            CREATE TABLE registry_events (registry TEXT NOT NULL, id TEXT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (registry, id))
            """),

        // 4, "console triage": who is accountable for an exception (NULL for older rows: their maker is shown), and the
        // OpenVEX statements triage makes (never changed; revoked ones stay for the document's history).
        (4, """
            ALTER TABLE policy_exceptions ADD COLUMN owner TEXT;
            CREATE TABLE vex_statements (
              id TEXT PRIMARY KEY, vulnerability TEXT NOT NULL, aliases TEXT NOT NULL, image TEXT, image_name TEXT, package_purl TEXT,
              status TEXT NOT NULL, justification TEXT, impact TEXT, author TEXT NOT NULL, created_at BIGINT NOT NULL, revoked_at BIGINT, revoked_by TEXT)
            """),
    ];

    private ServerDatabase(JobDb db) => Db = db;

    public JobDb Db { get; }

    public bool IsPostgres => Db.IsPostgres;

    /// <summary>Connects lazily; <see cref="MigrateAsync"/> brings the tables up to date (the host calls it at start-up).</summary>
    public static ServerDatabase Create(string location) => new(JobDb.Create(location));

    /// <summary>Opens and migrates, for short-lived callers such as `comb token create`.</summary>
    public static async Task<ServerDatabase> OpenAsync(string location, CancellationToken cancellationToken)
    {
        var database = Create(location);
        try
        {
            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return database;
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => Db.OpenAsync(cancellationToken);

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var setup = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            await LockAsync(connection, setup, cancellationToken).ConfigureAwait(false);
            await JobDb.ExecuteAsync(connection, setup, "CREATE TABLE IF NOT EXISTS server_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
            await setup.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (version, sql) in Steps)
        {
            await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
            await LockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var applied = await JobDb.ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM server_migrations WHERE version = @v", cancellationToken, ("v", version)).ConfigureAwait(false);
            if (applied is not null && JobDb.ToLong(applied) > 0)
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            foreach (var statement in sql.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await JobDb.ExecuteAsync(connection, transaction, statement, cancellationToken).ConfigureAwait(false);
            }

            await JobDb.ExecuteAsync(connection, transaction, "INSERT INTO server_migrations (version, applied_at) VALUES (@v, @at)", cancellationToken,
                ("v", version), ("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Several servers starting on one PostgreSQL at once migrate one after another (SQLite's write transaction already does).</summary>
    private Task LockAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Db.IsPostgres ? JobDb.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(4242301)", cancellationToken) : Task.CompletedTask;

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}
