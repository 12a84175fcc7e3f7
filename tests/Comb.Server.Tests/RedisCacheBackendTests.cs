using Comb.Testing.Services;

namespace Comb.Server.Tests;

/// <summary>`--cache-backend redis://...`: a layer analysed by one process is read from Redis by another.</summary>
public sealed class RedisCacheBackendTests(ScanKit kit, RedisServer redis) : IClassFixture<ScanKit>, IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_layer_analysed_by_a_worker_process_is_a_cache_hit_for_a_server_with_an_empty_cache_directory()
    {
        var backend = redis.NewDatabaseUrl();
        var image = await kit.PushAsync("shared/app", 41, extraLayers: 1, cancellationToken: Ct);
        var store = Path.Combine(kit.Root, "stores", $"redis-{Guid.NewGuid():N}.db");

        // First: an API-only server takes the scan, a `comb worker` process (the kit's cache directory) runs it.
        await using (var api = new ServerFactory(kit.Settings(workers: 0, store)))
        {
            using var scanner = await api.ClientAsync("scanner");
            var id = await ScanApiTests.SubmitAsync(scanner, new { image, insecureRegistry = true });
            using var worker = CombProcess.Start(["worker", "--store", store, "--cache-dir", kit.CacheDir, "--workers", "1", "--cache-backend", backend],
                new Dictionary<string, string> { ["Comb__PollSeconds"] = "0.2" });
            var status = await ScanKit.WaitAsync(scanner, id, Ct);
            Assert.True(status.GetProperty("status").GetString() == "succeeded", status.GetRawText() + "\n" + worker.Output);
            Assert.Equal(0, await worker.TerminateAsync(TimeSpan.FromSeconds(60)));
        }

        // Then: a server with a cache directory of its own (only the advisory database in it) and the same backend.
        var otherCache = Path.Combine(kit.Root, $"cache-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(otherCache, "db", "comb.db"))!);
        File.Copy(kit.DbFile, Path.Combine(otherCache, "db", "comb.db"));
        var settings = kit.Settings(workers: 1);
        settings["Comb:CacheDir"] = otherCache;
        settings["Comb:CacheBackend"] = backend;
        await using var server = new ServerFactory(settings);
        using var client = await server.ClientAsync("scanner");
        var second = await ScanApiTests.SubmitAsync(client, new { image, insecureRegistry = true });
        Assert.Equal("succeeded", (await ScanKit.WaitAsync(client, second, Ct)).GetProperty("status").GetString());

        using var anonymous = await server.ClientAsync(null);
        var m = MetricsAndOpenApiTests.Parse(await anonymous.GetStringAsync("/metrics", Ct)).Samples;
        Assert.Equal(3, m["comb_layer_cache_hits_total"]);
        Assert.Equal(0, m["comb_layer_cache_misses_total"]);
        Assert.Equal(1, m["comb_layer_cache_hit_ratio"]);
    }

    [Fact]
    public async Task An_unknown_cache_backend_stops_the_worker_at_start_with_the_reason()
    {
        using var worker = CombProcess.Start(["worker", "--store", Path.Combine(kit.Root, "stores", "unused.db"), "--cache-dir", kit.CacheDir, "--cache-backend", "memcached://127.0.0.1:1"]);
        Assert.Equal(2, await worker.WaitForExitAsync(TimeSpan.FromMinutes(1), Ct));
        Assert.Contains("unknown cache backend 'memcached://127.0.0.1:1'", worker.Output, StringComparison.Ordinal);
    }
}
