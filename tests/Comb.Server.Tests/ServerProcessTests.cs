using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Cli;
using Comb.Storage;
using Comb.Testing.Services;

namespace Comb.Server.Tests;

/// <summary>A real `comb server` process: client mode compared with a local scan, and a server killed with SIGKILL mid-queue.</summary>
public sealed class ServerProcessTests(ScanKit kit) : IClassFixture<ScanKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("json")]
    [InlineData("table")]
    public async Task Comb_scan_with_server_prints_the_same_bytes_as_a_local_scan(string format)
    {
        var image = await kit.PushAsync("client/app", 7, extraLayers: 1, cancellationToken: Ct);
        var root = Path.Combine(kit.Root, "client-" + format);
        var store = Path.Combine(root, "server.db");
        using var server = await StartServerAsync(kit.CacheDir, store, workers: 1);

        // The local scan reads the same database file (a copy: same build time, so the same version label).
        var localCache = Path.Combine(root, "local-cache");
        Directory.CreateDirectory(Path.Combine(localCache, "db"));
        File.Copy(kit.DbFile, Path.Combine(localCache, "db", "comb.db"));
        string[] common = ["scan", image, "--format", format, "--insecure-registry", "--quiet", "--severity", "CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN", "--exit-code", "4"];

        var remote = await RunCliAsync([.. common, "--server", server.Url, "--token", server.Token]);
        var local = await RunCliAsync([.. common, "--cache-dir", localCache]);

        Assert.True(local.Code == 4, local.Err);
        Assert.True(remote.Code == 4, remote.Err);
        Assert.Contains(format == "json" ? ScanKit.Cve : "CVE-2099", local.Out, StringComparison.Ordinal);

        // Two scans differ only in when they ran and the id their store gave them; map the server's onto the local ones.
        var localScan = await LatestAsync(ScanStore.DefaultPath(localCache));
        var serverScan = await LatestAsync(store);
        var normalised = Normalise(remote.Out, serverScan, localScan);
        Assert.Equal(local.Out, normalised);
        Assert.NotEqual(local.Out, remote.Out);

        var refused = await RunCliAsync([.. common, "--server", server.Url, "--token", "comb_wrong"]);
        Assert.Equal(2, refused.Code);
        Assert.Contains("401", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_killed_with_sigkill_among_ten_scans_finishes_all_of_them_after_a_restart_and_records_each_once()
    {
        var images = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            images.Add(await kit.PushAsync($"crash/app{i}", 100 + i, extraLayers: 2, cancellationToken: Ct));
        }

        var store = Path.Combine(kit.Root, "crash", "server.db");
        var ids = new List<string>();
        string token;
        using (var first = await StartServerAsync(kit.CacheDir, store, workers: 2))
        {
            token = first.Token;
            using var client = first.Client();
            foreach (var image in images)
            {
                ids.Add(await ScanApiTests.SubmitAsync(client, new { image, insecureRegistry = true }));
            }

            // Killed as soon as a scan is under way: the rest are queued, the running ones hold leases nobody renews.
            await WaitUntilAsync(async () => (await StatusesAsync(client, ids)).Any(s => s is "running" or "succeeded"));
            first.Process.Kill();
        }

        using var second = await StartServerAsync(kit.CacheDir, store, workers: 2, expectToken: false);
        using var again = second.Client(token);
        var finished = new List<JsonElement>();
        foreach (var id in ids)
        {
            finished.Add(await ScanKit.WaitAsync(again, id, Ct));
        }

        Assert.All(finished, s => Assert.Equal("succeeded", s.GetProperty("status").GetString()));
        await using var scans = await ScanStore.OpenAsync(store, Ct);
        var recorded = await scans.ListAsync(new HistoryQuery { Limit = 100 }, Ct);
        Assert.Equal(10, recorded.Count);
        Assert.Equal(finished.Select(s => s.GetProperty("scanId").GetString()).Order(), recorded.Select(r => r.Id).Order());
    }

    internal static string Normalise(string text, ScanReportStamp from, ScanReportStamp to)
    {
        foreach (var (a, b) in Forms(from).Zip(Forms(to)))
        {
            text = text.Replace(a, b, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The scan id and the ways the writers print the scan time (JSON round trip, table, SPDX/JUnit seconds).</summary>
    private static IEnumerable<string> Forms(ScanReportStamp stamp) =>
    [
        stamp.Id,
        JsonSerializer.Serialize(stamp.CreatedAt).Trim('"'),
        stamp.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
        stamp.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
    ];

    internal sealed record ScanReportStamp(string Id, DateTimeOffset CreatedAt);

    private static async Task<ScanReportStamp> LatestAsync(string storePath)
    {
        await using var store = await ScanStore.OpenAsync(storePath, Ct);
        var latest = (await store.ListAsync(new HistoryQuery { Limit = 1 }, Ct)).Single();
        var report = (await store.GetAsync(latest.Id, Ct))!;
        return new ScanReportStamp(latest.Id, report.CreatedAt);
    }

    internal static async Task<(int Code, string Out, string Err)> RunCliAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CombApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task<List<string?>> StatusesAsync(HttpClient client, IEnumerable<string> ids)
    {
        var statuses = new List<string?>();
        foreach (var id in ids)
        {
            statuses.Add((await client.GetFromJsonAsync<JsonElement>($"api/v1/scans/{id}", Ct)).GetProperty("status").GetString());
        }

        return statuses;
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        while (!await condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    internal static async Task<RunningServer> StartServerAsync(string cacheDir, string store, int workers, bool expectToken = true)
    {
        var port = ProcessRunner.FreePort();
        var url = $"http://127.0.0.1:{port}";
        var process = CombProcess.Start(["server", "--listen", url, "--cache-dir", cacheDir, "--store", store, "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["Comb__LeaseSeconds"] = "3", ["Comb__PollSeconds"] = "0.2" });
        var token = expectToken ? (await process.WaitForLineAsync("admin token (shown once, keep it): ", Ct)).Trim() : "";
        using var probe = new HttpClient();
        await WaitUntilAsync(async () =>
        {
            if (process.HasExited)
            {
                Assert.Fail(process.Output);
            }

            try
            {
                return (await probe.GetAsync(url + "/readyz", Ct)).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        });
        return new RunningServer(process, url, token);
    }

    internal sealed record RunningServer(CombProcess Process, string Url, string Token) : IDisposable
    {
        public HttpClient Client(string? token = null)
        {
            var client = new HttpClient { BaseAddress = new Uri(Url + "/") };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? Token);
            return client;
        }

        public void Dispose() => Process.Dispose();
    }
}
