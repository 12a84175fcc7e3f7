using System.Data.Common;
using Npgsql;

namespace Comb.Storage;

public sealed partial class ScanStore
{
    /// <summary>The advisory lock PostgreSQL writers hold shared from their change mark to their commit.</summary>
    private const long ChangeLock = 4242002;

    /// <summary>
    /// Marks the stored scans as changed, inside the transaction that changes them. SQLite (one writer at a time) bumps a
    /// counter row. On PostgreSQL such a row made concurrent writers queue on its lock until each committed; they draw
    /// from a sequence instead (nextval neither waits nor rolls back) and hold a shared advisory lock, which writers never
    /// wait on, until they commit, so a reader can tell whether a mark it sees may belong to a scan not committed yet.
    /// </summary>
    private static Task BumpChangesAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Sql.ExecAsync(connection, transaction, connection is NpgsqlConnection
            ? $"SELECT pg_advisory_xact_lock_shared({ChangeLock}); SELECT nextval('store_changes_seq')"
            : "UPDATE store_changes SET version = version + 1 WHERE id = 1", cancellationToken);

    /// <summary>
    /// The change mark: equal values mean no scan was recorded or deleted in between. Null (PostgreSQL) while a writer
    /// that has marked may not have committed: what is read now can miss its scans, so it must not be kept under the mark.
    /// </summary>
    public async Task<long?> ChangesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        if (!IsPostgres)
        {
            var rows = await Sql.QueryAsync(connection, "SELECT version FROM store_changes WHERE id = 1", r => Long(r, 0), cancellationToken).ConfigureAwait(false);
            return rows.Count == 0 ? 0 : rows[0];
        }

        // The mark, then whether a writer holds the lock: every writer whose mark this can include took the lock before
        // marking and holds it until its commit is visible. The try never waits, and its lock ends with its statement.
        var mark = await Sql.QueryAsync(connection, "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM store_changes_seq",
            r => Long(r, 0), cancellationToken).ConfigureAwait(false);
        var settled = await Sql.QueryAsync(connection, $"SELECT pg_try_advisory_xact_lock({ChangeLock})", r => r.GetBoolean(0), cancellationToken).ConfigureAwait(false);
        return settled[0] ? mark[0] : null;
    }
}
