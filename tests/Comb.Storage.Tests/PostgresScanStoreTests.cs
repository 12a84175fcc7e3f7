using Comb.Testing.Services;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Comb.Storage.Tests;

public sealed class PostgresScanStoreTests(PostgresServer server) : ScanStoreContract
{
    protected override Task<ScanStore> NewStoreAsync() => ScanStore.OpenAsync(server.NewDatabaseUrl(), TestContext.Current.CancellationToken);

    protected override string NewLocation() => server.NewDatabaseUrl();

    [Fact]
    public async Task Passwords_are_redacted_in_the_store_location()
    {
        var url = server.NewDatabaseUrl();

        var store = await ScanStore.OpenAsync(url, TestContext.Current.CancellationToken);

        Assert.DoesNotContain("comb-test-pw", store.Location, StringComparison.Ordinal);
        Assert.True(store.IsPostgres);
    }
}
