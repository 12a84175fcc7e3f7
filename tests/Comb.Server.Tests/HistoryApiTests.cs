using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Comb.Server.Tests;

/// <summary>Images, history, stored reports, trace, diff and impact over real scans recorded in the server's store.</summary>
public sealed class HistoryApiTests(HistoryFixture fixture) : IClassFixture<HistoryFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> GetAsync(string url, string role = "viewer")
    {
        using var client = await fixture.Server.ClientAsync(role);
        var response = await client.GetAsync(url, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private async Task<HttpStatusCode> StatusAsync(string url, string? role = "viewer")
    {
        using var client = await fixture.Server.ClientAsync(role);
        return (await client.GetAsync(url, Ct)).StatusCode;
    }

    public static TheoryData<string> ReadRoutes => new()
    {
        "/api/v1/images", "/api/v1/images/digests?image=IMAGE", "/api/v1/history", "/api/v1/history/SCAN", "/api/v1/history/SCAN/report",
        "/api/v1/trace?image=IMAGE", "/api/v1/diff?image=IMAGE", "/api/v1/impact?q=lodash",
    };

    private string Fill(string route) => route.Replace("IMAGE", Uri.EscapeDataString(fixture.ShopDigest), StringComparison.Ordinal)
        .Replace("SCAN", fixture.ShopSecond.ScanId!, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(ReadRoutes))]
    public async Task Every_role_reads_and_no_token_is_401(string route)
    {
        var url = Fill(route);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(url, null));
        foreach (var role in new[] { "viewer", "scanner", "admin" })
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(url, role));
        }
    }

    [Fact]
    public async Task Images_lists_each_repository_with_its_images_latest_scan_and_counts()
    {
        var repositories = (await GetAsync("/api/v1/images")).EnumerateArray().ToList();
        var images = repositories.SelectMany(r => r.GetProperty("images").EnumerateArray()).ToList();
        Assert.Equal(2, images.Count);
        var shop = images.Single(i => i.GetProperty("digest").GetString() == fixture.ShopDigest);
        Assert.Equal(fixture.ShopSecond.ScanId, shop.GetProperty("latestScan").GetProperty("id").GetString());
        Assert.Equal(1, shop.GetProperty("latestScan").GetProperty("high").GetInt32());
        var web = images.Single(i => i.GetProperty("digest").GetString() == fixture.WebDigest);
        Assert.Equal(0, web.GetProperty("latestScan").GetProperty("high").GetInt32());
        Assert.All(repositories, r => Assert.Equal(r.GetProperty("images").GetArrayLength(), r.GetProperty("imageCount").GetInt32()));
    }

    [Fact]
    public async Task Digests_of_an_image_count_its_scans()
    {
        var result = await GetAsync($"/api/v1/images/digests?image={Uri.EscapeDataString(fixture.ShopReference)}");
        var digest = Assert.Single(result.GetProperty("digests").EnumerateArray());
        Assert.Equal(fixture.ShopDigest, digest.GetProperty("digest").GetString());
        Assert.Equal(2, digest.GetProperty("scans").GetInt32());
        Assert.Equal(fixture.ShopSecond.ScanId, digest.GetProperty("latestScanId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync("/api/v1/images/digests?image=registry.example/none:1"));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync("/api/v1/images/digests"));
    }

    [Fact]
    public async Task History_lists_scans_newest_first_and_shows_one_summary_and_its_stored_report()
    {
        var all = (await GetAsync("/api/v1/history")).EnumerateArray().Select(s => s.GetProperty("id").GetString()).ToList();
        Assert.Equal([fixture.Web.ScanId, fixture.ShopSecond.ScanId, fixture.ShopFirst.ScanId], all);
        var ofShop = (await GetAsync($"/api/v1/history?image={Uri.EscapeDataString(fixture.ShopDigest)}&limit=1")).EnumerateArray().ToList();
        Assert.Equal(fixture.ShopSecond.ScanId, Assert.Single(ofShop).GetProperty("id").GetString());

        var summary = await GetAsync($"/api/v1/history/{fixture.ShopFirst.ScanId}");
        Assert.Equal(fixture.ShopDigest, summary.GetProperty("digest").GetString());
        Assert.Equal("test", summary.GetProperty("trigger").GetString());

        var report = await GetAsync($"/api/v1/history/{fixture.ShopFirst.ScanId}/report");
        Assert.Equal(fixture.ShopFirst.ScanId, report.GetProperty("scanId").GetString());
        Assert.Contains(report.GetProperty("vulnerabilities").EnumerateArray(), v => v.GetProperty("id").GetString() == StoredScans.LodashCve);
    }

    [Theory]
    [InlineData("/api/v1/history/0123456789abcdef")]
    [InlineData("/api/v1/history/0123456789abcdef/report")]
    [InlineData("/api/v1/trace?image=sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("/api/v1/diff?from=0123456789abcdef&to=0123456789abcdee")]
    public async Task Unknown_scans_and_images_are_404(string url) => Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(url));

    [Theory]
    [InlineData("/api/v1/history?limit=0")]
    [InlineData("/api/v1/history?limit=100000")]
    [InlineData("/api/v1/history?limit=many")]
    [InlineData("/api/v1/trace")]
    [InlineData("/api/v1/diff")]
    [InlineData("/api/v1/diff?from=a")]
    [InlineData("/api/v1/diff?from=a&to=b&image=c")]
    [InlineData("/api/v1/impact")]
    [InlineData("/api/v1/impact?q=%20")]
    public async Task Malformed_parameters_are_400(string url) => Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(url));

    [Fact]
    public async Task Trace_gives_the_timeline_and_the_layer_and_path_that_brought_a_package_or_finding_in()
    {
        var trace = await GetAsync($"/api/v1/trace?image={Uri.EscapeDataString(fixture.ShopDigest)}&find=lodash");
        Assert.Equal(2, trace.GetProperty("scans").GetArrayLength());
        Assert.Contains(trace.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "appeared"
            && e.GetProperty("what").GetString()!.StartsWith(StoredScans.LodashCve, StringComparison.Ordinal));
        var origin = Assert.Single(trace.GetProperty("origins").EnumerateArray());
        Assert.Equal("package", origin.GetProperty("kind").GetString());
        Assert.Equal("4.17.15", origin.GetProperty("version").GetString());
        Assert.Equal(0, origin.GetProperty("layerIndex").GetInt32());
        Assert.Equal("ADD app /app", origin.GetProperty("createdBy").GetString());
        Assert.EndsWith("package-lock.json", origin.GetProperty("path").GetString(), StringComparison.Ordinal);

        var byAlias = await GetAsync($"/api/v1/trace?image={Uri.EscapeDataString(fixture.ShopDigest)}&find={StoredScans.LodashAdvisory}");
        var finding = Assert.Single(byAlias.GetProperty("origins").EnumerateArray());
        Assert.Equal(StoredScans.LodashCve, finding.GetProperty("id").GetString());
        Assert.Equal(0, finding.GetProperty("layerIndex").GetInt32());
    }

    [Fact]
    public async Task Diff_compares_two_scans_or_an_images_last_two()
    {
        var between = await GetAsync($"/api/v1/diff?from={fixture.ShopSecond.ScanId}&to={fixture.Web.ScanId}");
        Assert.Contains(between.GetProperty("fixedVulnerabilities").EnumerateArray(), v => v.GetString()!.StartsWith(StoredScans.LodashCve, StringComparison.Ordinal));
        Assert.Contains(between.GetProperty("addedPackages").EnumerateArray(), p => p.GetString()!.EndsWith("lodash@4.17.21", StringComparison.Ordinal));
        Assert.Contains(between.GetProperty("removedPackages").EnumerateArray(), p => p.GetString()!.EndsWith("lodash@4.17.15", StringComparison.Ordinal));

        var lastTwo = await GetAsync($"/api/v1/diff?image={Uri.EscapeDataString(fixture.ShopDigest)}");
        Assert.Equal(fixture.ShopFirst.ScanId, lastTwo.GetProperty("from").GetString());
        Assert.Equal(fixture.ShopSecond.ScanId, lastTwo.GetProperty("to").GetString());
        Assert.Equal(0, lastTwo.GetProperty("newVulnerabilities").GetArrayLength());

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync($"/api/v1/diff?image={Uri.EscapeDataString(fixture.WebDigest)}")); // one scan only
    }

    [Fact]
    public async Task Impact_finds_the_images_hit_by_an_advisory_or_carrying_a_package()
    {
        var byCve = await GetAsync($"/api/v1/impact?q={StoredScans.LodashCve}");
        Assert.Equal("vulnerability", byCve.GetProperty("kind").GetString());
        Assert.Equal(1, byCve.GetProperty("images").GetInt32());
        var hit = Assert.Single(byCve.GetProperty("hits").EnumerateArray());
        Assert.Equal(fixture.ShopDigest, hit.GetProperty("digest").GetString());
        Assert.Equal(fixture.ShopSecond.ScanId, hit.GetProperty("scanId").GetString()); // the newest scan of the image only

        Assert.Equal(1, (await GetAsync($"/api/v1/impact?q={StoredScans.LodashAdvisory}")).GetProperty("images").GetInt32()); // by alias
        Assert.Equal(2, (await GetAsync("/api/v1/impact?q=lodash")).GetProperty("images").GetInt32());
        var pinned = await GetAsync("/api/v1/impact?q=lodash%404.17.21");
        Assert.Equal(fixture.WebDigest, Assert.Single(pinned.GetProperty("hits").EnumerateArray()).GetProperty("digest").GetString());
        Assert.Equal(0, (await GetAsync("/api/v1/impact?q=CVE-1999-0001")).GetProperty("images").GetInt32());
    }
}
