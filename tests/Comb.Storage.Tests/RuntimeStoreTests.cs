using Comb.Testing.Services;

namespace Comb.Storage.Tests;

/// <summary>The runtime watch's records on both backends: one row per container updated in place, drift start kept, gone containers stopped.</summary>
public abstract class RuntimeStoreContract
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    protected abstract Task<ScanStore> NewStoreAsync();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RuntimeContainerRecord Container(string id, string? driftDigest = null, int files = 0) => new()
    {
        Source = "host:containerd:/run/containerd/containerd.sock",
        Runtime = "containerd",
        Namespace = "k8s.io",
        ContainerId = id,
        Name = "web-" + id,
        Image = "registry.example/web:1",
        ImageDigest = "sha256:" + new string('a', 64),
        Drifted = driftDigest is not null,
        DriftFiles = files,
        DriftDigest = driftDigest,
        Severity = driftDigest is null ? "LOW" : "CRITICAL",
        MutableImageReference = true,
        ReportJson = $$"""{"id":"{{id}}","drift":[{{(driftDigest is null ? "" : """{"path":"/var/www/html/shell.php","change":"added"}""")}}]}""",
    };

    [Fact]
    public async Task A_drifted_container_is_one_row_whose_drift_start_stays_while_the_drift_is_the_same()
    {
        var store = await NewStoreAsync();
        var source = Container("c1").Source;

        await store.RecordRuntimeRoundAsync(source, T0, [Container("c1"), Container("c2")], 1, Ct);
        await store.RecordRuntimeRoundAsync(source, T0.AddMinutes(1), [Container("c1", "sha256:d1", 1), Container("c2")], 0, Ct);
        await store.RecordRuntimeRoundAsync(source, T0.AddMinutes(2), [Container("c1", "sha256:d1", 1)], 0, Ct);

        var running = await store.RuntimeContainersAsync(includeStopped: false, Ct);
        var c1 = Assert.Single(running);
        Assert.Equal("c1", c1.ContainerId);
        Assert.True(c1.Drifted);
        Assert.Equal(T0.AddMinutes(1), c1.DriftSince);
        Assert.Equal(T0, c1.FirstSeen);
        Assert.Equal(T0.AddMinutes(2), c1.LastSeen);
        Assert.Equal("k8s.io", c1.Namespace);
        Assert.Contains("/var/www/html/shell.php", c1.ReportJson, StringComparison.Ordinal);

        var all = await store.RuntimeContainersAsync(includeStopped: true, Ct);
        Assert.Equal(["c1", "c2"], all.Select(c => c.ContainerId));
        Assert.False(all.Single(c => c.ContainerId == "c2").Running);
        Assert.Equal(3, await store.RuntimeRoundCountAsync(Ct));

        // New drift (another file) restarts the clock; drift gone clears it.
        await store.RecordRuntimeRoundAsync(source, T0.AddMinutes(3), [Container("c1", "sha256:d2", 2)], 0, Ct);
        Assert.Equal(T0.AddMinutes(3), (await store.RuntimeContainersAsync(false, Ct))[0].DriftSince);
        await store.RecordRuntimeRoundAsync(source, T0.AddMinutes(4), [Container("c1")], 0, Ct);
        var clean = (await store.RuntimeContainersAsync(false, Ct))[0];
        Assert.False(clean.Drifted);
        Assert.Null(clean.DriftSince);
    }

    [Fact]
    public async Task A_round_of_one_source_leaves_the_containers_of_another_running()
    {
        var store = await NewStoreAsync();
        await store.RecordRuntimeRoundAsync("host:podman:/var/lib/containers/storage", T0, [Container("p1") with { Source = "host:podman:/var/lib/containers/storage", Runtime = "podman", Namespace = null }], 0, Ct);
        await store.RecordRuntimeRoundAsync(Container("c1").Source, T0, [], 0, Ct);

        var running = Assert.Single(await store.RuntimeContainersAsync(false, Ct));
        Assert.Equal("p1", running.ContainerId);
        Assert.Null(running.Namespace);
    }
}

public sealed class SqliteRuntimeStoreTests : RuntimeStoreContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-runtime-store-").FullName;

    protected override Task<ScanStore> NewStoreAsync() => ScanStore.OpenAsync(Path.Combine(_dir, Guid.NewGuid().ToString("N"), "history.db"), TestContext.Current.CancellationToken);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

public sealed class PostgresRuntimeStoreTests(PostgresServer server) : RuntimeStoreContract
{
    protected override Task<ScanStore> NewStoreAsync() => ScanStore.OpenAsync(server.NewDatabaseUrl(), TestContext.Current.CancellationToken);
}
