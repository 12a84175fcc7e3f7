using Comb.Contracts;
using Comb.Storage;
using Comb.Testing.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Engine.Tests;

/// <summary>
/// The engine as a long-running host owns it: composed with AddComb (no CLI), many scans at once from several threads
/// against a real registry, then disposed; what the scans opened is released and counted.
/// </summary>
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
        using var client = registry.CreateClient();
        var references = new List<string>();
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

        var cache = Path.Combine(_root, "cache");
        var storePath = Path.Combine(_root, "store", "history.db");
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
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Scans).Select(i =>
            Task.Run(() => scanner.RunAsync(references[i % references.Count], options, null, ct), ct)));
        var store = await stores.GetAsync(storePath, ct);
        var recorded = await store.ListAsync(new HistoryQuery { Limit = 100 }, ct);
        var openedStores = stores.OpenedCount;
        var openBeforeDisposal = OperatingSystem.IsLinux() ? OpenFilesUnder(_root).Count : 0;
        await services.DisposeAsync();

        // The budget was kept: never more scans or buffered bytes at once than the host allowed, and all given back
        Assert.InRange(budget.PeakScans, 1, ScansAtOnce);
        Assert.InRange(budget.PeakBufferBytes, 200_000, BufferBytes);
        Assert.Equal(0, budget.BufferBytesInFlight);
        Assert.True(budget.Reservations.Requested >= references.Count * 4, $"{budget.Reservations.Requested} buffers reserved"); // every file of every layer, once per layer at least

        Assert.Equal(Scans, outcomes.Select(o => o.Report.ScanId).Distinct().Count());
        Assert.All(outcomes, o => Assert.Contains(o.Report.Secrets, s => s.Path == "app/.env"));
        Assert.Equal(Scans, recorded.Count);
        Assert.Equal(1, openedStores);
        Assert.True(store.IsDisposed);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => stores.GetAsync(storePath, ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.ListAsync(new HistoryQuery(), ct));
        Assert.Empty(TempFiles(Path.Combine(cache, "tmp")));
        if (OperatingSystem.IsLinux())
        {
            Assert.True(openBeforeDisposal > 0, "the pooled store connections hold the database open until the host disposes them");
            Assert.Empty(OpenFilesUnder(_root));
        }
    }

    private static IEnumerable<string> TempFiles(string dir) =>
        Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories) : [];

    /// <summary>Files this process still holds open below a directory (Linux: the targets of /proc/self/fd).</summary>
    private static List<string> OpenFilesUnder(string dir)
    {
        var open = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(dir, StringComparison.Ordinal))
                {
                    open.Add(target);
                }
            }
            catch (IOException)
            {
                // the descriptor closed while listing
            }
        }

        return open;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
