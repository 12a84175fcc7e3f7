using Comb.Contracts;
using Comb.Testing.Services;

namespace Comb.Storage.Tests;

/// <summary>The console's fleet queries (overview, top vulnerabilities, trend, filtered image pages) on SQLite and PostgreSQL.</summary>
public abstract class FleetQueriesContract
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateOnly Today = new(2026, 3, 10);

    private static DateTimeOffset At(int daysAgo) => new DateTimeOffset(Today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero).AddDays(-daysAgo);

    private const string App = "sha256:" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string Web = "sha256:" + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    /// <summary>The location (SQLite path or postgres:// URL) of a new, empty store.</summary>
    protected abstract string NewLocation();

    private static Task<ScanStore> NewStoreAsync(string location) => ScanStore.OpenAsync(location, Ct);

    private Task<ScanStore> NewStoreAsync() => NewStoreAsync(NewLocation());

    private async Task<ScanStore> SeededAsync()
    {
        var store = await NewStoreAsync();
        await store.RecordAsync(Reports.Of("registry.example/app:1", App, At(2), [("openssl", "1.0")], [("CVE-2026-0001", "openssl", "1.0")], "block"), Ct);
        var latest = Reports.Of("registry.example/app:1", App, At(0), [("openssl", "1.0"), ("zlib", "1.2")], [("CVE-2026-0001", "openssl", "1.0"), ("CVE-2026-0002", "zlib", "1.2")], "block");
        await store.RecordAsync(latest with { Vulnerabilities = [latest.Vulnerabilities[0] with { KnownExploited = true }, latest.Vulnerabilities[1] with { FixedVersions = [] }] }, Ct);
        await store.RecordAsync(Reports.Of("registry.example/web:2", Web, At(1), [("zlib", "1.3")], null, "pass",
            [new SecretFinding { RuleId = "aws", Title = "AWS key", Path = "app/.env", Masked = "AKIA****" }]), Ct);
        return store;
    }

    [Fact]
    public async Task The_overview_counts_the_newest_scan_of_each_image()
    {
        await using var store = await SeededAsync();
        var o = await store.OverviewAsync(Ct);
        Assert.Equal((2, 3, 2, 1, 1, 1), (o.Images, o.Scans, o.High, o.Fixable, o.KnownExploited, o.Secrets));
        Assert.Equal(1, o.Verdicts["block"]);
        Assert.Equal(1, o.Verdicts["pass"]);

        var top = await store.TopVulnerabilitiesAsync(10, Ct);
        Assert.Equal(["CVE-2026-0001", "CVE-2026-0002"], top.Select(t => t.Id));
        Assert.True(top[0].KnownExploited && top[0].Fixable && !top[1].Fixable);
        Assert.Equal("HIGH", top[0].Severity);
    }

    [Fact]
    public async Task The_trend_counts_each_day_by_the_scans_made_by_its_end()
    {
        await using var store = await SeededAsync();
        var trend = await store.TrendAsync(Today, 4, Ct);
        Assert.Equal([Today.AddDays(-3), Today.AddDays(-2), Today.AddDays(-1), Today], trend.Select(t => t.Day));
        Assert.Equal([0L, 1L, 1L, 2L], trend.Select(t => t.High));
    }

    [Fact]
    public async Task The_dashboard_figures_are_kept_until_any_writer_records_or_prunes_a_scan()
    {
        var location = NewLocation();
        await using var store = await NewStoreAsync(location);
        await using var other = await NewStoreAsync(location); // another process writing the same store
        await other.RecordAsync(Reports.Of("registry.example/app:1", App, At(2), [("openssl", "1.0")], [("CVE-2026-0001", "openssl", "1.0")], "block"), Ct);
        var first = await store.DashboardAsync(Today, 4, 10, Ct);
        Assert.Equal((1, 1), (first.Overview.Images, first.Overview.Scans));
        Assert.Same(first, await store.DashboardAsync(Today, 4, 10, Ct));

        await other.RecordAsync(Reports.Of("registry.example/web:2", Web, At(1), [("zlib", "1.3")], [("CVE-2026-0002", "zlib", "1.3")], "pass"), Ct);
        await other.RecordAsync(Reports.Of("registry.example/app:1", App, At(0), [("openssl", "1.1")], null, "pass"), Ct);
        var second = await store.DashboardAsync(Today, 4, 10, Ct);
        Assert.Equal((2, 3), (second.Overview.Images, second.Overview.Scans));
        Assert.Equal(["CVE-2026-0002"], second.Top.Select(t => t.Id));
        Assert.Equal(["registry.example/web:2"], second.Riskiest.Select(s => s.Reference));
        Assert.Equal(Today, second.Trend[^1].Day);

        // Another day is another trend, from the same figures otherwise.
        Assert.Equal(Today.AddDays(1), (await store.DashboardAsync(Today.AddDays(1), 4, 10, Ct)).Trend[^1].Day);

        Assert.Equal(1, await other.PruneAsync(1, 1, At(0), Ct));
        Assert.Equal(2, (await store.DashboardAsync(Today, 4, 10, Ct)).Overview.Scans);
    }

    [Fact]
    public async Task Images_filter_search_sort_and_page_in_sql()
    {
        await using var store = await SeededAsync();
        async Task<string[]> Refs(ImageFilter filter) => [.. (await store.ImagesAsync(filter, Ct)).Items.Select(s => s.Reference)];

        Assert.Equal(["registry.example/app:1"], await Refs(new() { Search = "CVE-2026-0002" }));
        Assert.Equal(["registry.example/app:1"], await Refs(new() { Search = "DSA-2026-0001" }));
        Assert.Equal(["registry.example/web:2"], await Refs(new() { Search = "sha256:bbbb" }));
        Assert.Equal(["registry.example/web:2"], await Refs(new() { Search = "zlib@1.3" }));
        Assert.Equal(["registry.example/app:1", "registry.example/web:2"], await Refs(new() { Search = "zlib" }));
        Assert.Equal(["registry.example/web:2"], await Refs(new() { HasSecretsOrMalware = true }));
        Assert.Equal(["registry.example/app:1"], await Refs(new() { Verdict = "block", Severity = "HIGH", HasFix = true }));
        Assert.Equal(["registry.example/web:2"], await Refs(new() { Repository = "registry.example/web", Tag = "2" }));
        Assert.Equal(["registry.example/web:2"], await Refs(new() { ScannedBefore = At(0).AddHours(-1) }));
        Assert.Empty(await Refs(new() { Search = "100%_off" }));

        var page = await store.ImagesAsync(new ImageFilter { Sort = "risk", Limit = 1 }, Ct);
        Assert.Equal(2, page.Total);
        // A secret weighs more than two high vulnerabilities.
        Assert.Equal("registry.example/web:2", Assert.Single(page.Items).Reference);
        Assert.Equal(["registry.example/app:1"], await Refs(new() { Sort = "risk", Offset = 1 }));
    }
}

public sealed class SqliteFleetQueryTests : FleetQueriesContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-fleet-").FullName;

    protected override string NewLocation() => Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class PostgresFleetQueryTests(PostgresServer server) : FleetQueriesContract
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override string NewLocation() => server.NewDatabaseUrl();

    [Fact]
    public async Task Writers_never_wait_on_the_change_mark_and_the_dashboard_keeps_nothing_a_writer_yet_to_commit_can_change()
    {
        var today = new DateOnly(2026, 3, 10);
        var at = new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
        string Digest(int i) => "sha256:" + i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0');
        var location = NewLocation();
        await using var store = await ScanStore.OpenAsync(location, Ct);
        await using var writer = await ScanStore.OpenAsync(location, Ct); // another process writing the same store
        await writer.RecordAsync(Reports.Of("registry.example/app0:1", Digest(0), at, [("openssl", "1.0")]), Ct);
        Assert.Equal(1, (await store.DashboardAsync(today, 4, 10, Ct)).Overview.Scans);
        var before = await store.ChangesAsync(Ct);
        Assert.NotNull(before);

        await using (var connection = await writer.OpenConnectionAsync(Ct))
        await using (var open = await connection.BeginTransactionAsync(Ct))
        {
            // A writer that has marked its change but not committed (a job completing with its scan)...
            await writer.RecordAsync(Reports.Of("registry.example/app1:1", Digest(1), at, [("zlib", "1.2")]), ScanStore.NewScanId(at), connection, open, Ct);

            // ...does not hold up other writers (a row counter's lock made them wait for its commit)...
            var other = writer.RecordAsync(Reports.Of("registry.example/app2:1", Digest(2), at, [("zlib", "1.3")]), Ct);
            Assert.Same(other, await Task.WhenAny(other, Task.Delay(TimeSpan.FromSeconds(60), Ct)));
            await other;

            // ...and while it is open the mark cannot be trusted: figures are computed afresh and not kept under it.
            Assert.Null(await store.ChangesAsync(Ct));
            Assert.Equal(2, (await store.DashboardAsync(today, 4, 10, Ct)).Overview.Scans);
            await open.CommitAsync(Ct);
        }

        var after = await store.ChangesAsync(Ct);
        Assert.NotNull(after);
        Assert.NotEqual(before, after);
        var settled = await store.DashboardAsync(today, 4, 10, Ct);
        Assert.Equal(3, settled.Overview.Scans);
        Assert.Same(settled, await store.DashboardAsync(today, 4, 10, Ct));

        // Many writers at once: each scan is counted.
        await Task.WhenAll(Enumerable.Range(3, 8).Select(i => writer.RecordAsync(Reports.Of($"registry.example/app{i}:1", Digest(i), at, [("zlib", "1.3")]), Ct)));
        Assert.Equal(11, (await store.DashboardAsync(today, 4, 10, Ct)).Overview.Scans);
    }
}
