using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Comb.Server.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

/// <summary>The scan endpoints through the real server on an in-memory transport: roles, bad requests, queue limits, cancel.</summary>
public sealed class ScanApiTests(ScanKit kit) : IClassFixture<ScanKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Image = "registry.example:5000/team/app:1.0";

    [Fact]
    public async Task Every_scan_endpoint_needs_a_token_and_submitting_or_cancelling_needs_the_scanner_or_admin_role()
    {
        await using var server = new ServerFactory(kit.Settings(workers: 0));
        using var admin = await server.ClientAsync("admin");
        var id = await SubmitAsync(admin, new { image = Image });

        using var anonymous = await server.ClientAsync(null);
        foreach (var (method, path) in Endpoints(id))
        {
            using var request = new HttpRequestMessage(method, path) { Content = method == HttpMethod.Post ? Json(new { image = Image }) : null };
            Assert.True(HttpStatusCode.Unauthorized == (await anonymous.SendAsync(request, Ct)).StatusCode, $"{method} {path}");
        }

        using var viewer = await server.ClientAsync("viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/v1/scans", Json(new { image = Image }), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/v1/scans/{id}/cancel", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.DeleteAsync($"/api/v1/scans/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/scans", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/v1/scans/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await viewer.GetAsync($"/api/v1/scans/{id}/report", Ct)).StatusCode); // readable, not finished

        using var scanner = await server.ClientAsync("scanner");
        var other = await SubmitAsync(scanner, new { image = Image, scanners = new[] { "secret" } });
        Assert.NotEqual(id, other);
        Assert.Equal(HttpStatusCode.OK, (await scanner.PostAsync($"/api/v1/scans/{other}/cancel", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/scans/{id}", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("""{"image": "Not A Reference!"}""", "malformed image reference")]
    [InlineData("""{"image": "oci:/etc"}""", "malformed image reference")]
    [InlineData("""{"scanners": ["vuln"]}""", "\"image\" is required")]
    [InlineData("""{"image": "alpine:3.20", "scanners": ["vuln", "astrology"]}""", "unknown scanner 'astrology'")]
    [InlineData("""{"image": "alpine:3.20", "format": "pdf"}""", "unknown format 'pdf'")]
    [InlineData("""{"image": "alpine:3.20", "policy": "prod"}""", "no stored policy named prod")]
    [InlineData("""{"image": "alpine:3.20", "severities": ["SEVERE"]}""", "unknown severity 'SEVERE'")]
    [InlineData("""{"image": "alpine:3.20", "platform": "linux"}""", "platform")]
    [InlineData("""{"image": "alpine:3.20", "scaners": ["vuln"]}""", "scaners")]
    [InlineData("""{"image": "alpine:3.20",""", "malformed request")]
    [InlineData("""[]""", "malformed request")]
    public async Task A_bad_request_is_400_with_the_reason_and_queues_nothing(string body, string reason)
    {
        await using var server = new ServerFactory(kit.Settings(workers: 0));
        using var scanner = await server.ClientAsync("scanner");
        var response = await scanner.PostAsync("/api/v1/scans", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await ListAsync(scanner, ""));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_even_without_kestrel()
    {
        var settings = kit.Settings(workers: 0);
        settings["Comb:MaxRequestBytes"] = "4096";
        await using var server = new ServerFactory(settings);
        using var scanner = await server.ClientAsync("scanner");
        var huge = JsonSerializer.Serialize(new { image = Image, skipFiles = Enumerable.Range(0, 2000).Select(i => $"file{i}").ToArray() });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await scanner.PostAsync("/api/v1/scans", new StringContent(huge, Encoding.UTF8, "application/json"), Ct)).StatusCode);

        // Without a Content-Length (chunked), the body is counted as it is read.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/scans") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await scanner.SendAsync(request, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await scanner.PostAsync("/api/v1/scans", Json(new { image = Image }), Ct)).StatusCode);
    }

    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after_and_identical_pending_scans_are_merged()
    {
        var settings = kit.Settings(workers: 0);
        settings["Comb:MaxQueueDepth"] = "2";
        await using var server = new ServerFactory(settings);
        using var scanner = await server.ClientAsync("scanner");
        var first = await SubmitAsync(scanner, new { image = Image });
        Assert.Equal(first, await SubmitAsync(scanner, new { image = Image, scanners = (string[]?)null }));
        var second = await SubmitAsync(scanner, new { image = Image, severities = new[] { "HIGH" } });
        Assert.NotEqual(first, second);

        var full = await scanner.PostAsync("/api/v1/scans", Json(new { image = Image, failOn = "LOW" }), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);
        Assert.True(full.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        // An identical scan still merges when the queue is full: it adds no work.
        Assert.Equal(second, await SubmitAsync(scanner, new { image = Image, severities = new[] { "HIGH" } }));
        Assert.Equal(2, (await ListAsync(scanner, "")).Count);

        var audit = await server.Services.GetRequiredService<AuditLog>().ReadAsync(null, 100, Ct);
        Assert.Equal(4, audit.Count(e => e.Action == "scan.submit"));
        Assert.Contains(audit, e => e.Action == "scan.submit" && e.Target == first && e.Detail!.Contains(Image, StringComparison.Ordinal) && e.Actor.Contains("test scanner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_list_pages_cancel_and_report_answer_as_documented()
    {
        await using var server = new ServerFactory(kit.Settings(workers: 0));
        using var scanner = await server.ClientAsync("scanner");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await SubmitAsync(scanner, new
            {
                image = $"registry.example/app{i}:1.0", registryCredentials = new Dictionary<string, object> { ["registry.example"] = new { username = "u", password = "s3cret-pw" } },
            }));
        }

        var status = await scanner.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{ids[0]}", Ct);
        Assert.Equal("queued", status.GetProperty("status").GetString());
        Assert.Equal("registry.example/app0:1.0", status.GetProperty("image").GetString());
        Assert.Equal(0, status.GetProperty("attempts").GetInt32());
        Assert.DoesNotContain("s3cret-pw", status.GetRawText(), StringComparison.Ordinal);

        var page = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/scans?limit=2", Ct);
        Assert.Equal([ids[2], ids[1]], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(2, page.GetProperty("nextOffset").GetInt32());
        var rest = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/scans?limit=2&offset=2", Ct);
        Assert.Equal([ids[0]], rest.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextOffset").ValueKind);

        Assert.Equal(HttpStatusCode.Conflict, (await scanner.GetAsync($"/api/v1/scans/{ids[0]}/report?format=json", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await scanner.GetAsync($"/api/v1/scans/{ids[0]}/report?format=pdf", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scanner.GetAsync("/api/v1/scans/nope/report", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scanner.GetAsync("/api/v1/scans/nope", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scanner.PostAsync("/api/v1/scans/nope/cancel", null, Ct)).StatusCode);

        var cancelled = await scanner.PostAsync($"/api/v1/scans/{ids[0]}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await cancelled.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await scanner.DeleteAsync($"/api/v1/scans/{ids[0]}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await scanner.GetAsync($"/api/v1/scans/{ids[0]}/report", Ct)).StatusCode);
        var audit = await server.Services.GetRequiredService<AuditLog>().ReadAsync(null, 100, Ct);
        Assert.Contains(audit, e => e.Action == "scan.cancel" && e.Target == ids[0]);
    }

    [Fact]
    public async Task Readyz_says_why_it_is_not_ready_without_an_advisory_database_and_the_openapi_document_lists_the_scan_endpoints()
    {
        await using (var ready = new ServerFactory(kit.Settings(workers: 0)))
        {
            using var client = ready.CreateClient();
            var response = await client.GetAsync("/readyz", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("comb-db", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

            var openapi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
            var paths = openapi.GetProperty("paths");
            foreach (var path in new[] { "/api/v1/scans", "/api/v1/scans/{id}", "/api/v1/scans/{id}/cancel", "/api/v1/scans/{id}/report" })
            {
                Assert.True(paths.TryGetProperty(path, out _), path);
            }
        }

        var empty = kit.Settings(workers: 0);
        empty["Comb:CacheDir"] = Path.Combine(kit.Root, "empty-cache-" + Guid.NewGuid().ToString("N"));
        await using var notReady = new ServerFactory(empty);
        using var anonymous = notReady.CreateClient();
        var answer = await anonymous.GetAsync("/readyz", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Contains("no advisory database", (await answer.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    internal static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    internal static async Task<string> SubmitAsync(HttpClient client, object body)
    {
        var response = await client.PostAsync("/api/v1/scans", Json(body), Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Ct));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Single(answer.EnumerateObject());
        return answer.GetProperty("id").GetString()!;
    }

    private static async Task<List<string>> ListAsync(HttpClient client, string query) =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/api/v1/scans" + query, Ct)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];

    private static IEnumerable<(HttpMethod, string)> Endpoints(string id) =>
    [
        (HttpMethod.Post, "/api/v1/scans"), (HttpMethod.Get, "/api/v1/scans"), (HttpMethod.Get, $"/api/v1/scans/{id}"),
        (HttpMethod.Post, $"/api/v1/scans/{id}/cancel"), (HttpMethod.Delete, $"/api/v1/scans/{id}"), (HttpMethod.Get, $"/api/v1/scans/{id}/report?format=json"),
    ];
}
