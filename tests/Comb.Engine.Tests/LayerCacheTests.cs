using Comb.Contracts;
using Comb.Engine.Cache;
using Comb.Testing.Images;

namespace Comb.Engine.Tests;

public class LayerCacheTests
{
    [Fact]
    public async Task A_rescan_of_cached_layers_reads_no_layer()
    {
        using var fx = new ScannerFixture();
        new TestImage().Layer(l => l.File("p/packages.txt", "a 1\n")).Layer(l => l.File("q/packages.txt", "b 2\n")).WriteOciLayout(fx.PathFor("img"));

        var first = await fx.InventoryAsync("oci:" + fx.PathFor("img"));
        var callsAfterFirst = fx.Analyzer.Calls;
        var second = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        Assert.Equal(2, callsAfterFirst);
        Assert.Equal(callsAfterFirst, fx.Analyzer.Calls);
        Assert.Equal(first.Packages.Select(p => p.Name), second.Packages.Select(p => p.Name));
    }

    [Fact]
    public async Task A_torn_cache_entry_is_ignored_and_rebuilt()
    {
        using var fx = new ScannerFixture();
        new TestImage().Layer(l => l.File("p/packages.txt", "a 1\n")).WriteOciLayout(fx.PathFor("img"));
        await fx.InventoryAsync("oci:" + fx.PathFor("img"));
        var entry = Directory.EnumerateFiles(Path.Combine(fx.CacheDir, "layers"), "*.layer", SearchOption.AllDirectories).Single();
        File.WriteAllBytes(entry, File.ReadAllBytes(entry)[..10]);

        var inventory = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        Assert.Equal("a", inventory.Packages.Single().Name);
        Assert.Equal(2, fx.Analyzer.Calls);
    }

    [Fact]
    public async Task Concurrent_scans_share_one_cache_directory()
    {
        using var fx = new ScannerFixture();
        new TestImage().Layer(l => l.File("p/packages.txt", "a 1\n")).Layer(l => l.File("q/packages.txt", "b 2\n")).WriteOciLayout(fx.PathFor("img"));

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => fx.InventoryAsync("oci:" + fx.PathFor("img"))));

        Assert.All(results, r => Assert.Equal(2, r.Packages.Count()));
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(fx.CacheDir, "layers"), "*.layer", SearchOption.AllDirectories).Count());
    }
}

public class LayerCacheEvictionTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("comb-lru-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Diff(int n) => "sha256:" + n.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);

    private static LayerFacts Facts(int n) => new() { DiffId = Diff(n), Digest = Diff(n + 100) };

    [Fact]
    public async Task Pruning_evicts_the_least_recently_read_entries_first()
    {
        var cache = new LayerCache(_root);
        for (var n = 1; n <= 3; n++)
        {
            await cache.PutAsync("k", Facts(n), CancellationToken.None);
            await Task.Delay(20);
        }

        Assert.NotNull(await cache.GetAsync(Diff(1), "k", CancellationToken.None));
        var each = cache.Info().Bytes / 3;

        var removed = await cache.PruneAsync((each * 2) + 1, CancellationToken.None);

        Assert.Equal(1, removed);
        Assert.NotNull(await cache.GetAsync(Diff(1), "k", CancellationToken.None));
        Assert.Null(await cache.GetAsync(Diff(2), "k", CancellationToken.None));
        Assert.NotNull(await cache.GetAsync(Diff(3), "k", CancellationToken.None));
    }

    [Fact]
    public async Task A_recorded_limit_is_kept_by_every_later_write()
    {
        var cache = new LayerCache(_root);
        await cache.PutAsync("k", Facts(1), CancellationToken.None);
        var each = cache.Info().Bytes;
        new LayerCache(_root).SetMaxSize((each * 2) + (each / 2));

        for (var n = 2; n <= 6; n++)
        {
            await cache.PutAsync("k", Facts(n), CancellationToken.None);
            Assert.True(cache.Info().Bytes <= (each * 2) + (each / 2));
        }

        Assert.Equal(2, cache.Info().Entries);
        Assert.NotNull(await cache.GetAsync(Diff(6), "k", CancellationToken.None));
    }

    [Theory]
    [InlineData("500M", 500L << 20)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("64k", 64L << 10)]
    [InlineData("1048576", 1048576L)]
    [InlineData("12X", null)]
    [InlineData("", null)]
    public void Sizes_parse_with_binary_units(string text, long? expected) => Assert.Equal(expected, LayerCache.ParseSize(text));
}
