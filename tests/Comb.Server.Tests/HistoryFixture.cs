using Comb.Contracts;

namespace Comb.Server.Tests;

/// <summary>
/// One server with real history: "shop" (lodash 4.17.15, vulnerable) scanned twice and "web" (lodash 4.17.21) once,
/// shared by the read-only API tests.
/// </summary>
public sealed class HistoryFixture : IAsyncLifetime
{
    public ServerFactory Server { get; } = new();

    public string ShopReference { get; private set; } = "";

    public ScanReport ShopFirst { get; private set; } = null!;

    public ScanReport ShopSecond { get; private set; } = null!;

    public ScanReport Web { get; private set; } = null!;

    public string ShopDigest => Storage.DigestOf.Image(ShopSecond.Image);

    public string WebDigest => Storage.DigestOf.Image(Web.Image);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        await StoredScans.ImportDbAsync(Server, withLodash: true, null, ct);
        ShopReference = StoredScans.BuildImage(Server, "shop", "4.17.15");
        ShopFirst = await StoredScans.ScanAsync(Server, ShopReference, ct);
        ShopSecond = await StoredScans.ScanAsync(Server, ShopReference, ct);
        Web = await StoredScans.ScanAsync(Server, StoredScans.BuildImage(Server, "web", "4.17.21"), ct);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
