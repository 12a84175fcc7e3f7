using Comb.Contracts;
using Comb.Engine.Cache;
using Comb.Storage;
using Comb.Testing.Services;
using Comb.Testing.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Engine.Tests;

/// <summary>
/// The engine as a long-running host owns it: composed with AddComb (no CLI), many scans at once from several threads
/// against a real registry, then disposed; what the scans opened is released and counted (descriptors, registry
/// connections, files, cache entries).
/// </summary>
[Collection(nameof(HostLifetimeTests))]
public sealed class HostLifetimeTests : IDisposable
{
    private const int Scans = 20;
    private const int ScansAtOnce = 3;
    private const long BufferBytes = 256 * 1024; // room for one of the images' 200 kB files at a time
    private readonly string _root = Directory.CreateTempSubdirectory("comb-host-").FullName;

    [Fact]
    public async Task Twenty_concurrent_scans_keep_the_hosts_budget_share_one_store_and_leave_no_temp_files_or_open_files_after_disposal()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous, ct);
        var references = new List<string>();
        using (var client = registry.CreateClient())
        {
            for (var i = 0; i < 4; i++)
            {
                var image = new PushableImageBuilder()
                    .WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"), ("app/package.json", $"{{\"name\":\"app{i}\",\"version\":\"1.0.{i}\"}}"))
                    .WithLayer(("app/.env", $"AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM{i}\n"), ("app/big.txt", new string('x', 200_000 + i)))
                    .WithEnv("DB_PASSWORD=Sup3rS3cretValue" + i)
                    .Build();
                await TestImagePusher.PushAsync(client, $"host/app{i}", "1.0", image, cancellationToken: ct);
                references.Add($"{registry.Host}/host/app{i}:1.0");
            }
        }

        var cache = Path.Combine(_root, "cache");
        var storePath = Path.Combine(_root, "store", "history.db");
        var handlesBefore = ProcessHandles.Supported ? ProcessHandles.Resources() : [];
        var services = new ServiceCollection().AddComb(host =>
        {
            host.CacheDir = cache;
            host.StoreLocation = storePath;
            host.MaxConcurrentScans = ScansAtOnce;
            host.MaxBufferBytes = BufferBytes;
        }).BuildServiceProvider();
        var budget = services.GetRequiredService<ScanBudget>();
        var scanner = services.GetRequiredService<ImageScanner>();
        var stores = services.GetRequiredService<ScanStores>();
        var options = new ScanOptions { Scanners = new HashSet<string> { Scanners.Secret, Scanners.Config }, InsecureRegistry = true };

        // Each scan starts on its own thread-pool thread, so the engine is entered from several threads at once.
        Task<ScanOutcome[]> RoundAsync() => Task.WhenAll(Enumerable.Range(0, Scans).Select(i =>
            Task.Run(() => scanner.RunAsync(references[i % references.Count], options, null, ct), ct)));
        var outcomes = await RoundAsync();
        var first = Snapshot(cache, registry.Port);

        // A second round of the same images: whatever the engine keeps between scans (layer cache, pooled connections,
        // open files) stays as it was after the first, so nothing grows with the number of scans.
        outcomes = [.. outcomes, .. await RoundAsync()];
        var second = Snapshot(cache, registry.Port);
        var store = await stores.GetAsync(storePath, ct);
        var recorded = await store.ListAsync(new HistoryQuery { Limit = 100 }, ct);
        var openedStores = stores.OpenedCount;
        await services.DisposeAsync();
        var disposed = Snapshot(cache, registry.Port);

        // The budget was kept: never more scans or buffered bytes at once than the host allowed, and all given back
        Assert.InRange(budget.PeakScans, 1, ScansAtOnce);
        Assert.InRange(budget.PeakBufferBytes, 200_000, BufferBytes);
        Assert.Equal(0, budget.BufferBytesInFlight);
        Assert.True(budget.Reservations.Requested >= references.Count * 4, $"{budget.Reservations.Requested} buffers reserved"); // every file of every layer, once per layer at least

        Assert.Equal(2 * Scans, outcomes.Select(o => o.Report.ScanId).Distinct().Count());
        Assert.All(outcomes, o => Assert.Contains(o.Report.Secrets, s => s.Path == "app/.env"));
        Assert.Equal(2 * Scans, recorded.Count);
        Assert.Equal(1, openedStores);
        Assert.True(store.IsDisposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stores.GetAsync(storePath, ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ListAsync(new HistoryQuery(), ct));

        // Caches: one entry per layer (4 images of 2 layers) and one per image config (its secrets), however many scans
        // read them; no temp files at any point.
        Assert.Equal(references.Count * 3, first.CacheEntries);
        Assert.Equal(first.CacheEntries, second.CacheEntries);
        Assert.Equal(first.CacheEntries, disposed.CacheEntries);
        Assert.Equal(0, first.TempFiles + second.TempFiles + disposed.TempFiles);
        if (ProcessHandles.Supported)
        {
            // Pooled registry connections and the store stay open while the host lives, no more after 40 scans than after 20.
            Assert.InRange(first.RegistryConnections, 1, ScansAtOnce * 4);
            Assert.InRange(second.RegistryConnections, 1, first.RegistryConnections);
            Assert.True(first.OpenFiles > 0, "the pooled store connections hold the database open until the host disposes them");

            // The store's pool grows to the concurrency a round happened to reach (a few files per connection), not with
            // the number of scans: bounded by the scans at once, not equal from round to round.
            Assert.InRange(second.OpenFiles, 1, ScansAtOnce * 4);

            // Disposed: no connection to the registry, no file below the host's directories, no descriptor more than before.
            Assert.Equal(0, disposed.RegistryConnections);
            Assert.Equal(0, disposed.OpenFiles);
            Assert.Empty(ProcessHandles.Added(handlesBefore, disposed.Descriptors));
        }
    }

    /// <summary>What the host holds at one moment: layer cache entries, temp files, and (Linux) descriptors, files under the test's directory and registry connections.</summary>
    private Counts Snapshot(string cache, int registryPort) => new(
        new LayerCache(cache).Info().Entries,
        TempFiles(Path.Combine(cache, "tmp")).Count(),
        ProcessHandles.Supported ? ProcessHandles.Resources() : [],
        ProcessHandles.Supported ? ProcessHandles.OpenFilesUnder(_root).Count : 0,
        ProcessHandles.Supported ? ProcessHandles.TcpConnectionsTo(registryPort) : 0);

    private sealed record Counts(int CacheEntries, int TempFiles, List<string> Descriptors, int OpenFiles, int RegistryConnections);

    private static IEnumerable<string> TempFiles(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories) : [];

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

/// <summary>Alone, after the parallel tests: the process's descriptor count is this host's alone to measure.</summary>
[CollectionDefinition(nameof(HostLifetimeTests), DisableParallelization = true)]
public sealed class HostLifetimeCollection;
