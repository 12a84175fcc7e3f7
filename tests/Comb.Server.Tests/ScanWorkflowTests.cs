using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Storage;

namespace Comb.Server.Tests;

/// <summary>Scans run by the server's in-process workers against a real registry, recorded in its store.</summary>
public sealed class ScanWorkflowTests(ScanKit kit) : IClassFixture<ScanKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_scan_runs_with_progress_is_recorded_once_and_its_report_is_served_in_every_format()
    {
        var image = await kit.PushAsync("flow/app", 1, extraLayers: 2, cancellationToken: Ct);
        var settings = kit.Settings(workers: 1);
        await using var server = new ServerFactory(settings);
        using var scanner = await server.ClientAsync("scanner");
        var id = await ScanApiTests.SubmitAsync(scanner, new { image, insecureRegistry = true, severities = new[] { "HIGH", "CRITICAL", "UNKNOWN" } });
        var status = await ScanKit.WaitAsync(scanner, id, Ct);

        Assert.Equal("succeeded", status.GetProperty("status").GetString());
        Assert.Equal(1, status.GetProperty("attempts").GetInt32());
        var progress = status.GetProperty("progress");
        Assert.Equal(4, progress.GetProperty("total").GetInt64());
        Assert.Equal(4, progress.GetProperty("current").GetInt64());
        var scanId = status.GetProperty("scanId").GetString()!;

        foreach (var format in new[] { "json", "sarif", "cyclonedx", "spdx", "junit", "table" })
        {
            var report = await scanner.GetAsync($"/api/v1/scans/{id}/report?format={format}", Ct);
            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
            Assert.NotEmpty(await report.Content.ReadAsByteArrayAsync(Ct));
        }

        var json = await scanner.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}/report", Ct);
        Assert.Equal(scanId, json.GetProperty("scanId").GetString());
        Assert.Contains(json.GetProperty("vulnerabilities").EnumerateArray(), v => v.GetProperty("id").GetString() == ScanKit.Cve);
        Assert.Equal(HttpStatusCode.BadRequest, (await scanner.GetAsync($"/api/v1/scans/{id}/report?format=pdf", Ct)).StatusCode);

        await using var store = await ScanStore.OpenAsync(settings["Comb:Store"], Ct);
        var recorded = await store.ListAsync(new HistoryQuery { Limit = 10 }, Ct);
        Assert.Equal(scanId, Assert.Single(recorded).Id);
        Assert.Equal("api", recorded[0].Trigger);
    }

    [Fact]
    public async Task An_image_that_does_not_exist_fails_at_once_with_its_error_kind_and_is_not_retried()
    {
        await using var server = new ServerFactory(kit.Settings(workers: 1));
        using var scanner = await server.ClientAsync("scanner");
        var id = await ScanApiTests.SubmitAsync(scanner, new { image = $"{kit.Registry.Host}/missing/app:1.0", insecureRegistry = true });
        var status = await ScanKit.WaitAsync(scanner, id, Ct);

        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.Equal(1, status.GetProperty("attempts").GetInt32());
        Assert.Equal("not-found", status.GetProperty("error").GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await scanner.GetAsync($"/api/v1/scans/{id}/report", Ct)).StatusCode);
    }

    [Fact]
    public async Task An_unreachable_registry_is_an_upstream_failure_that_is_retried_with_backoff()
    {
        var settings = kit.Settings(workers: 1);
        settings["Comb:MaxAttempts"] = "2";
        settings["Comb:BackoffSeconds"] = "0.2";
        await using var server = new ServerFactory(settings);
        using var scanner = await server.ClientAsync("scanner");
        var closedPort = Comb.Testing.Services.ProcessRunner.FreePort();
        var id = await ScanApiTests.SubmitAsync(scanner, new { image = $"127.0.0.1:{closedPort}/gone/app:1.0", insecureRegistry = true });
        var status = await ScanKit.WaitAsync(scanner, id, Ct);

        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.Equal(2, status.GetProperty("attempts").GetInt32());
        Assert.Equal("upstream-failure", status.GetProperty("error").GetProperty("kind").GetString());
        Assert.StartsWith("gave up after 2 attempts", status.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
