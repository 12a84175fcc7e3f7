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
