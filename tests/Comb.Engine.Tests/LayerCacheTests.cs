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
        var entry = Directory.EnumerateFiles(Path.Combine(fx.CacheDir, "layers"), "*.json.gz", SearchOption.AllDirectories).Single();
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
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(fx.CacheDir, "layers"), "*.json.gz", SearchOption.AllDirectories).Count());
    }
}
