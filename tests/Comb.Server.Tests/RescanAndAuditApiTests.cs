using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

public sealed class RescanAndAuditApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rescan_rematches_every_stored_image_against_a_new_database_and_says_what_changed()
    {
        await using var server = new ServerFactory();
        await StoredScans.ImportDbAsync(server, withLodash: false, null, Ct);
        var shop = await StoredScans.ScanAsync(server, StoredScans.BuildImage(server, "shop", "4.17.15"), Ct);
        var web = await StoredScans.ScanAsync(server, StoredScans.BuildImage(server, "web", "4.17.21"), Ct);
        Assert.Empty(shop.Vulnerabilities);
        await StoredScans.ImportDbAsync(server, withLodash: true, null, Ct); // the advisory is published

        using var scanner = await server.ClientAsync("scanner");
        var response = await scanner.PostAsync("/api/v1/rescan", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(2, body.GetProperty("images").GetInt32());
        Assert.Equal(1, body.GetProperty("imagesChanged").GetInt32());
        var results = body.GetProperty("results").EnumerateArray().ToList();
        var shopResult = results.Single(r => r.GetProperty("previousScanId").GetString() == shop.ScanId);
        Assert.Contains(shopResult.GetProperty("newlyVulnerable").EnumerateArray(), v => v.GetString()!.StartsWith(StoredScans.LodashCve, StringComparison.Ordinal));
        Assert.Empty(results.Single(r => r.GetProperty("previousScanId").GetString() == web.ScanId).GetProperty("newlyVulnerable").EnumerateArray());

        // Each re-check is a new stored scan, and impact now sees the advisory.
        using var viewer = await server.ClientAsync("viewer");
        var history = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/history", Ct);
        Assert.Equal(4, history.GetArrayLength());
        Assert.Equal("rescan", history[0].GetProperty("trigger").GetString());
        var impact = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/impact?q={StoredScans.LodashCve}", Ct);
        Assert.Equal(shopResult.GetProperty("scanId").GetString(), Assert.Single(impact.GetProperty("hits").EnumerateArray()).GetProperty("scanId").GetString());

        using var admin = await server.ClientAsync("admin");
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit", Ct);
        Assert.Contains(audit.EnumerateArray(), e => e.GetProperty("action").GetString() == "rescan.start" && e.GetProperty("actor").GetString()!.Contains("test scanner", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rescan_is_for_scanners_and_admins()
    {
        await using var server = new ServerFactory();
        using var anonymous = await server.ClientAsync(null);
        using var viewer = await server.ClientAsync("viewer");
        using var admin = await server.ClientAsync("admin");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/v1/rescan", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/v1/rescan", null, Ct)).StatusCode);

        // Nothing stored yet: nothing to re-check, and no database is needed for that.
        var empty = await (await admin.PostAsync("/api/v1/rescan", null, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(0, empty.GetProperty("images").GetInt32());
    }

    [Fact]
    public async Task Rescan_without_an_advisory_database_says_so()
    {
        await using var server = new ServerFactory();
        await StoredScans.ImportDbAsync(server, withLodash: true, null, Ct);
        await StoredScans.ScanAsync(server, StoredScans.BuildImage(server, "shop", "4.17.15"), Ct);
        var cacheDir = server.Services.GetRequiredService<ServerLocations>().CacheDir;
        File.Delete(Comb.VulnDb.Database.AdvisoryDbLocation.Resolve(null, cacheDir));

        using var admin = await server.ClientAsync("admin");
        var response = await admin.PostAsync("/api/v1/rescan", null, Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("advisory database", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_audit_log_is_for_admins_newest_first_with_since_and_limit()
    {
        var clock = new TestClock();
        await using var server = new ServerFactory(time: clock);
        using var admin = await server.ClientAsync("admin");
        await admin.PostAsJsonAsync("/api/v1/tokens", new { role = "viewer", name = "one" }, Ct);
        clock.Advance(TimeSpan.FromHours(1));
        var cut = clock.GetUtcNow();
        await admin.PostAsJsonAsync("/api/v1/tokens", new { role = "viewer", name = "two" }, Ct);

        var all = await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit", Ct);
        Assert.True(all.GetArrayLength() >= 3); // first-start admin token, then the two
        Assert.Contains("name=two", all[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
        var since = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?since={Uri.EscapeDataString(cut.ToString("O"))}", Ct);
        Assert.Equal(1, since.GetArrayLength());
        Assert.Equal(1, (await admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?limit=1", Ct)).GetArrayLength());

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/v1/audit?since=yesterday", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/api/v1/audit?limit=0", Ct)).StatusCode);
        foreach (var role in new[] { "viewer", "scanner" })
        {
            using var client = await server.ClientAsync(role);
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/audit", Ct)).StatusCode);
        }

        using var anonymous = await server.ClientAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/audit", Ct)).StatusCode);
    }
}
