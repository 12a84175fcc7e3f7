using Comb.Contracts;
using Microsoft.Data.Sqlite;

namespace Comb.Storage.Tests;

public sealed class SqliteScanStoreTests : ScanStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-store-").FullName;

    protected override Task<ScanStore> NewStoreAsync() => ScanStore.OpenAsync(NewLocation(), TestContext.Current.CancellationToken);

    protected override string NewLocation() => Path.Combine(_dir, Guid.NewGuid().ToString("N"), "history.db");

    [Fact]
    public async Task Reopening_applies_no_migration_twice()
    {
        var path = Path.Combine(_dir, "h.db");
        await ScanStore.OpenAsync(path, TestContext.Current.CancellationToken);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ScanStore.OpenAsync(path, TestContext.Current.CancellationToken)));

        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM comb_migrations";
        Assert.Equal((long)Migrations.Latest, (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task Rows_bound_by_position_keep_types_return_what_the_statement_yields_and_fail_as_sqlite_does()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_dir, "rows.db")}");
        await connection.OpenAsync(ct);
        await Sql.ExecAsync(connection, null, "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, b BLOB, z TEXT)", ct);
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            var returned = await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO t (k, n, b, z)",
                [["a", 1, new byte[] { 1, 2 }, null], ["b", 5_000_000_000L, Array.Empty<byte>(), "x"], ["c", true, null, DBNull.Value]], "ON CONFLICT (k) DO NOTHING RETURNING k", ct);
            Assert.Equal(["a", "b", "c"], returned);
            Assert.Empty(await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO t (k, n, b, z)", [["a", 2, null, null]], "ON CONFLICT (k) DO NOTHING RETURNING k", ct));
            await Assert.ThrowsAsync<SqliteException>(() => Sql.InsertRowsAsync(connection, transaction, "INSERT INTO t (k, n, b, z)", [["d", 1, null, null], ["a", 2, null, null]], "", ct));
            await transaction.CommitAsync(ct);
        }

        var rows = await Sql.QueryAsync(connection, "SELECT k, n, typeof(b), length(b), z FROM t ORDER BY k", r => $"{r.GetString(0)} {r.GetInt64(1)} {r.GetString(2)} {(r.IsDBNull(3) ? "-" : r.GetInt64(3))} {(r.IsDBNull(4) ? "null" : r.GetString(4))}", ct);
        Assert.Equal(["a 1 blob 2 null", "b 5000000000 blob 0 x", "c 1 null - null", "d 1 null - null"], rows);
    }

    [Fact]
    public async Task A_corrupt_store_is_a_clear_error()
    {
        var path = Path.Combine(_dir, "corrupt.db");
        await File.WriteAllTextAsync(path, "this is not a database, just text that is long enough to look like a header......", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<CombInputException>(() => ScanStore.OpenAsync(path, TestContext.Current.CancellationToken));

        Assert.Contains("cannot be opened", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
