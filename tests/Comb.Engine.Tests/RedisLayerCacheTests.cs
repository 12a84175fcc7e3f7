using Comb.Contracts;
using Comb.Engine.Cache;
using Comb.Engine.Walk;
using Comb.Image;
using Comb.Image.Local;
using Comb.Testing.Images;
using Comb.Testing.Services;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(RedisServer))]

namespace Comb.Engine.Tests;

/// <summary>
/// The layer cache shared through a real redis-server: hosts with their own cache directories, connections and
/// analyzers, one Redis. What one host analysed, another reads; a corrupt or missing entry is analysed again.
/// </summary>
public sealed class RedisLayerCacheTests(RedisServer redis) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _dir = Directory.CreateTempSubdirectory("comb-redis-cache-").FullName;

    [Fact]
    public async Task A_layer_analysed_by_one_host_is_analysed_by_no_other_sharing_Redis()
    {
        var url = redis.NewDatabaseUrl();
        var image = WriteImage("img", layers: 3);
        await using var first = new Host(_dir, "first", url);
        await using var second = new Host(_dir, "second", url);

        var one = await first.InventoryAsync(image);
        var two = await second.InventoryAsync(image);

        Assert.Equal(3, first.Metrics.LayersWalked);
        Assert.Equal(0, second.Metrics.LayersWalked);
        Assert.Equal(0, second.Analyzer.Calls);
        Assert.Equal(one.Packages.Select(p => p.Name), two.Packages.Select(p => p.Name));
        Assert.Equal(3, two.Packages.Count());
        // Nothing went to either host's cache directory: the entries live in Redis.
        Assert.False(Directory.Exists(Path.Combine(second.CacheDir, "layers")));
        Assert.Equal(3, await KeysAsync(url));
    }

    [Fact]
    public async Task Hosts_scanning_the_same_image_at_once_analyse_each_layer_once_between_them()
    {
        var url = redis.NewDatabaseUrl();
        var image = WriteImage("img", layers: 4);
        var hosts = Enumerable.Range(0, 4).Select(i => new Host(_dir, $"h{i}", url)).ToArray();
        try
        {
            var inventories = await Task.WhenAll(hosts.Select(h => h.InventoryAsync(image)));

            Assert.Equal(4, hosts.Sum(h => h.Metrics.LayersWalked));
            Assert.All(inventories, i => Assert.Equal(4, i.Packages.Count()));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Corrupt_and_missing_entries_are_analysed_again_and_repaired()
    {
        var (url, image) = await ScannedOnceAsync(layers: 3);

        await WithEntriesAsync(url, async (database, keys) =>
        {
            Assert.Equal(3, keys.Length);
            var torn = (byte[])(await database.StringGetAsync(keys[0]))!;
            await database.StringSetAsync(keys[0], torn[..(torn.Length / 2)]);
            await database.StringSetAsync(keys[1], "not a cache entry"u8.ToArray());
            await database.KeyDeleteAsync(keys[2]);
        });

        await using var second = new Host(_dir, "second", url);
        var inventory = await second.InventoryAsync(image);
        await using var third = new Host(_dir, "third", url);
        await third.InventoryAsync(image);

        Assert.Equal(3, second.Metrics.LayersWalked);
        Assert.Equal(["p0", "p1", "p2"], inventory.Packages.Select(p => p.Name).Order());
        Assert.Equal(0, third.Metrics.LayersWalked);
    }

    [Fact]
    public async Task An_entry_for_another_layer_under_a_layers_key_is_not_trusted()
    {
        var (url, image) = await ScannedOnceAsync(layers: 2);

        await WithEntriesAsync(url, async (database, keys) => await database.StringSetAsync(keys[0], await database.StringGetAsync(keys[1])));

        await using var second = new Host(_dir, "second", url);
        var inventory = await second.InventoryAsync(image);

        Assert.Equal(1, second.Metrics.LayersWalked);
        Assert.Equal(["p0", "p1"], inventory.Packages.Select(p => p.Name).Order());
    }

    [Theory]
    [InlineData("redis://", CombErrorKind.BadInput)]
    [InlineData("redis://127.0.0.1:6379/99", CombErrorKind.BadInput)]
    [InlineData("redis://127.0.0.1:6379/0?x=1", CombErrorKind.BadInput)]
    [InlineData("memcached://127.0.0.1:11211", CombErrorKind.BadInput)]
    public async Task A_bad_backend_address_is_a_clear_input_error(string url, CombErrorKind kind)
    {
        await using var host = new Host(_dir, "bad", url);

        var error = await Assert.ThrowsAsync<CombInputException>(() => host.InventoryAsync(WriteImage("img", layers: 1)));

        Assert.Equal(kind, error.Kind);
        Assert.Contains("cache backend", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Redis_that_does_not_answer_is_an_upstream_failure_naming_it_without_its_password()
    {
        var url = $"redis://:hunter2@127.0.0.1:{ProcessRunner.FreePort()}/0";
        await using var host = new Host(_dir, "down", url);

        var error = await Assert.ThrowsAsync<CombInputException>(() => host.InventoryAsync(WriteImage("img", layers: 1)));

        Assert.Equal(CombErrorKind.UpstreamFailure, error.Kind);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A new Redis database holding the entries of a new image, written by a host that is gone again.</summary>
    private async Task<(string Url, string Image)> ScannedOnceAsync(int layers)
    {
        var url = redis.NewDatabaseUrl();
        var image = WriteImage("img", layers);
        await using var first = new Host(_dir, "first", url);
        await first.InventoryAsync(image);
        return (url, image);
    }

    private string WriteImage(string name, int layers)
    {
        var image = new TestImage();
        for (var i = 0; i < layers; i++)
        {
            var n = i;
            // Unique content per test directory, so tests sharing the server never share entries.
            image.Layer(l => l.File($"l{n}/packages.txt", $"p{n} 1.{n}\n").File($"l{n}/salt", _dir));
        }

        var path = Path.Combine(_dir, name);
        image.WriteOciLayout(path);
        return "oci:" + path;
    }

    private static async Task<int> KeysAsync(string url)
    {
        var count = 0;
        await WithEntriesAsync(url, (_, keys) =>
        {
            count = keys.Length;
            return Task.CompletedTask;
        });
        return count;
    }

    /// <summary>Hands the layer entries' keys (in key order) and the database to <paramref name="act"/>, over a connection of the test's own.</summary>
    private static async Task WithEntriesAsync(string url, Func<IDatabase, RedisKey[], Task> act)
    {
        var parsed = RedisCacheUrl.Parse(url);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(parsed.Configuration);
        var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(parsed.Database, "comb:layer:*")
            .Where(k => !k.ToString().EndsWith(":lock", StringComparison.Ordinal)).OrderBy(k => k.ToString(), StringComparer.Ordinal).ToArray();
        await act(connection.GetDatabase(parsed.Database), keys);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>One host: its own scanner, analyzer, cache directory and Redis connection.</summary>
    private sealed class Host : IAsyncDisposable
    {
        private readonly LayerCacheBackends _backends = new();
        private readonly ImageScanner _scanner;
        private readonly string _url;

        public Host(string root, string name, string url)
        {
            _url = url;
            CacheDir = Path.Combine(root, name + "-cache");
            var resolver = new ImageSourceResolver([new OciLayoutSource()]);
            _scanner = new ImageScanner(resolver, [Analyzer], [], [], cacheBackends: _backends);
        }

        public string CacheDir { get; }

        public LinesPackageAnalyzer Analyzer { get; } = new();

        public WalkMetrics Metrics { get; } = new();

        public Task<ImageInventory> InventoryAsync(string reference) =>
            _scanner.InventoryAsync(reference, new ScanOptions { CacheDir = CacheDir, CacheBackend = _url, NoStore = true }, null, Metrics, Ct);

        public ValueTask DisposeAsync() => _backends.DisposeAsync();
    }
}
