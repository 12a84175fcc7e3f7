using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Scans;
using Comb.Testing.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Console.Tests;

/// <summary>
/// Scans the server runs apply its VEX statements as `comb scan --vex` does (in the presented report the job keeps), and
/// "scan selected" asks for plain HTTP when told: the image lives on a plain-HTTP registry and only scans with it succeed.
/// </summary>
public sealed class ConsoleTriageScanTests : IAsyncLifetime
{
    private readonly ConsoleServer _server = new(workers: 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _server.SeedAsync(Ct);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Stored_statements_judge_server_scans_and_scan_selected_reaches_a_plain_http_registry()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous, Ct);
        using (var client = registry.CreateClient())
        {
            var lockFile = """{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"},"node_modules/lodash":{"version":"4.17.15"}}}""";
            await TestImagePusher.PushAsync(client, "triage/app", "1.0", new PushableImageBuilder().WithLayer(("app/package-lock.json", lockFile)).Build(), cancellationToken: Ct);
        }

        using var admin = await _server.ClientAsync("admin");
        var submitted = await admin.PostAsJsonAsync("/api/v1/scans", new { image = $"{registry.Host}/triage/app:1.0", insecureRegistry = true }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var first = await FinishedAsync(JsonDocument.Parse(await submitted.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!);
        Assert.Contains(ConsoleServer.LodashCve, await admin.GetStringAsync($"/api/v1/scans/{first.Id}/report", Ct), StringComparison.Ordinal);
        var digest = Comb.Storage.DigestOf.Image(first.Result!.PresentedReport().Image);

        // Judged not affected for this image: the finished scan's report is presented without it from now on.
        var triage = await admin.PostAsync("/exceptions/triage", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["image"] = digest, ["finding"] = ConsoleServer.LodashCve, ["package"] = "lodash", ["status"] = "not_affected",
            ["justification"] = "vulnerable_code_cannot_be_controlled_by_adversary", ["reason"] = "no user input reaches lodash",
        }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, triage.StatusCode);
        Assert.DoesNotContain(ConsoleServer.LodashCve, await admin.GetStringAsync($"/api/v1/scans/{first.Id}/report", Ct), StringComparison.Ordinal);

        // Scan selected without plain HTTP fails at the registry (then it is cancelled rather than retried); with it the
        // scan succeeds, and its own presented report (kept with the job) already leaves the finding out.
        var plain = await ScanSelectedAsync(admin, digest, insecure: false);
        Assert.False(plain.Request.InsecureRegistry);
        Assert.NotNull(await FirstErrorAsync(plain.Id));
        Assert.True((await admin.PostAsync($"/api/v1/scans/{plain.Id}/cancel", null, Ct)).IsSuccessStatusCode);
        var insecure = await ScanSelectedAsync(admin, digest, insecure: true);
        Assert.True(insecure.Request.InsecureRegistry);
        var second = await FinishedAsync(insecure.Id);
        Assert.Equal(JobState.Succeeded, second.State);
        Assert.DoesNotContain(second.Result!.PresentedReport().Vulnerabilities, v => v.Id == ConsoleServer.LodashCve);
    }

    private async Task<(string Id, ScanRequest Request)> ScanSelectedAsync(HttpClient admin, string digest, bool insecure)
    {
        var before = await JobIdsAsync();
        var form = new Dictionary<string, string> { ["digest"] = digest };
        if (insecure)
        {
            form["insecure"] = "1";
        }

        var response = await admin.PostAsync("/images/scan", new FormUrlEncodedContent(form), Ct);
        Assert.Contains("Queued 1 scan(s).", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var id = Assert.Single((await JobIdsAsync()).Except(before));
        var jobs = await _server.Services.GetRequiredService<ScanQueue>().GetAsync(Ct);
        return (id, ScanJob.FromJson((await jobs.GetAsync(id, Ct))!.Payload).Request);
    }

    private async Task<List<string>> JobIdsAsync()
    {
        using var viewer = await _server.ClientAsync("viewer");
        using var page = JsonDocument.Parse(await viewer.GetStringAsync("/api/v1/scans?limit=500", Ct));
        return [.. page.RootElement.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()!)];
    }

    /// <summary>The error of a job's first failed attempt.</summary>
    private async Task<string?> FirstErrorAsync(string id)
    {
        var jobs = await _server.Services.GetRequiredService<ScanQueue>().GetAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        while (true)
        {
            var record = (await jobs.GetAsync(id, timeout.Token))!;
            Assert.NotEqual(JobState.Succeeded, record.State);
            if (record.LastError is { } error)
            {
                return error;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    private async Task<(string Id, JobState State, ScanJobResult? Result)> FinishedAsync(string id)
    {
        var jobs = await _server.Services.GetRequiredService<ScanQueue>().GetAsync(Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        while (true)
        {
            var record = (await jobs.GetAsync(id, timeout.Token))!;
            if (record.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.Dead)
            {
                return (id, record.State, ScanJobResult.FromJson(record.Result));
            }

            await Task.Delay(200, timeout.Token);
        }
    }
}
