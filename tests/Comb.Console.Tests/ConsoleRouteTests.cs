using System.Net;
using System.Text.RegularExpressions;
using Comb.Server.WebConsole;

namespace Comb.Console.Tests;

/// <summary>The console's routes through the in-memory host: sign-in, roles, CSRF, headers, and what each page shows of real scans.</summary>
public sealed partial class ConsoleRouteTests(SeededConsole seeded) : IClassFixture<SeededConsole>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ConsoleServer Server => seeded.Server;

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string url, string? role = "viewer")
    {
        using var client = await Server.ClientAsync(role);
        var response = await client.GetAsync(url, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response);
    }

    /// <summary>Signs in through the login form; the session cookie and a page's CSRF token.</summary>
    private async Task<(string Cookie, string Csrf)> SignInAsync(string role)
    {
        using var client = await Server.ClientAsync(null);
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = await Server.TokenAsync(role), ["returnUrl"] = "/images" }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/images", response.Headers.Location?.ToString());
        var setCookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var cookie = setCookie.Split(';')[0];
        var page = await SendAsync(HttpMethod.Get, "/scans", cookie, null);
        var csrf = CsrfField().Match(page.Body);
        return (cookie, csrf.Success ? csrf.Groups[1].Value : "");
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string url, string cookie, Dictionary<string, string>? form, string? origin = null)
    {
        using var client = await Server.ClientAsync(null);
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Cookie", cookie);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (form is not null)
        {
            request.Content = new FormUrlEncodedContent(form);
        }

        var response = await client.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/images")]
    [InlineData("/scans")]
    [InlineData("/policies")]
    public async Task Anonymous_pages_go_to_the_login_page(string url)
    {
        var (status, _, response) = await GetAsync(url, null);
        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal("/login?returnUrl=" + Uri.EscapeDataString(url), response.Headers.Location?.ToString());
    }

    [Fact]
    public async Task Every_page_has_a_strict_content_security_policy()
    {
        foreach (var url in new[] { "/login", "/", "/images", $"/images/{Uri.EscapeDataString(Server.ShopDigest)}", $"/vulnerabilities/{ConsoleServer.LodashCve}", "/scans", "/policies", "/exceptions" })
        {
            var (status, body, response) = await GetAsync(url, url == "/login" ? null : "viewer");
            Assert.True(status == HttpStatusCode.OK, $"{url}: {(int)status}");
            var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Equal(ConsoleLayout.ContentSecurityPolicy, csp);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.DoesNotMatch("<script>[^<]", body);
            Assert.DoesNotContain(" style=\"", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Roles_are_enforced_on_pages_and_buttons()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/tokens", "viewer")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/audit", "scanner")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/tokens", "admin")).Status);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/audit", "admin")).Status);

        // A viewer sees no scan buttons, and posting them anyway is refused.
        var viewerImages = await GetAsync("/images", "viewer");
        Assert.DoesNotContain("Scan selected", viewerImages.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("action=\"/scans/all\"", (await GetAsync("/scans", "viewer")).Body, StringComparison.Ordinal);
        using var viewer = await Server.ClientAsync("viewer");
        var refused = await viewer.PostAsync("/scans/submit", new FormUrlEncodedContent(new Dictionary<string, string> { ["image"] = "registry.example/app:1" }), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var refusedApi = await viewer.PostAsync("/api/v1/scans", new StringContent("{\"image\":\"registry.example/app:1\"}", System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refusedApi.StatusCode);

        var scannerImages = await GetAsync("/images", "scanner");
        Assert.Contains("Scan selected", scannerImages.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await Server.ClientAsync("scanner")).PostAsync("/exceptions", new FormUrlEncodedContent([]), Ct)).StatusCode);
    }

    [Fact]
    public async Task A_session_posts_only_with_its_csrf_token_and_from_its_own_origin()
    {
        var (cookie, csrf) = await SignInAsync("scanner");
        Assert.NotEmpty(csrf);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/", cookie, null)).Status);

        var local = new Dictionary<string, string> { ["image"] = "oci:/etc" };
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/scans/submit", cookie, local)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/scans/submit", cookie, new(local) { ["_csrf"] = csrf + "x" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/scans/submit", cookie, new(local) { ["_csrf"] = csrf }, origin: "http://evil.example")).Status);

        // With the token the post is accepted and judged: a local source is refused, as the API refuses it.
        var judged = await SendAsync(HttpMethod.Post, "/scans/submit", cookie, new(local) { ["_csrf"] = csrf });
        Assert.Equal(HttpStatusCode.BadRequest, judged.Status);
        Assert.Contains("the server scans registry images", judged.Body, StringComparison.Ordinal);

        // Signing out ends the session.
        var (signOut, _) = await SendAsync(HttpMethod.Post, "/logout", cookie, new() { ["_csrf"] = csrf });
        Assert.Equal(HttpStatusCode.Redirect, signOut);
    }

    [Fact]
    public async Task A_revoked_token_ends_its_session_and_a_bad_token_does_not_sign_in()
    {
        using var anonymous = await Server.ClientAsync(null);
        var bad = await anonymous.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "comb_nope" }), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Contains("Unknown or revoked token", await bad.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var (cookie, _) = await SignInAsync("viewer");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/", cookie, null)).Status);
        var tokens = Server.Services.GetService(typeof(Comb.Server.Auth.ApiTokens)) as Comb.Server.Auth.ApiTokens;
        foreach (var token in (await tokens!.ListAsync(Ct)).Where(t => t.Role == "viewer" && t.RevokedAt is null))
        {
            await tokens.RevokeAsync(token.Id, Ct);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await SendAsync(HttpMethod.Get, "/", cookie, null)).Status);
    }

    [Fact]
    public async Task The_dashboard_counts_the_fleet_by_sql()
    {
        var (status, body, _) = await GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, status);

        // Three images; the newest scans hold two findings (lodash in shop, evil-pkg), both fixable.
        Assert.Matches(@"<span class=""value"">3</span><span class=""label"">images scanned", body);
        Assert.Matches(@"<span class=""value"">4</span><span class=""label"">scans stored", body);
        Assert.Matches(@"<span class=""value"">2</span><span class=""label"">with a fix", body);
        Assert.Contains($"/vulnerabilities/{ConsoleServer.LodashCve}", body, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"chart\"", body, StringComparison.Ordinal);
        Assert.Contains("Advisory database: built", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("q=" + ConsoleServer.LodashCve, "shop", "web")]
    [InlineData("q=lodash%404.17.21", "web", "shop")]
    [InlineData("q=evil-pkg", "evil", "shop")]
    [InlineData("fix=1&q=lodash", "shop", "web")]
    [InlineData("severity=CRITICAL", "evil", "web")]
    [InlineData("repository=nope", null, "shop")]
    public async Task Filters_and_search_return_the_right_images(string query, string? shown, string hidden)
    {
        var (status, body, _) = await GetAsync("/images?" + query);
        Assert.Equal(HttpStatusCode.OK, status);
        if (shown is not null)
        {
            Assert.Contains($"/images/{shown}", body, StringComparison.Ordinal);
        }

        Assert.DoesNotContain($"/images/{hidden}\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain($"images/{hidden}</a>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_images_table_pages_on_the_server()
    {
        var (_, first, _) = await GetAsync("/images?limit=2");
        Assert.Contains("3 image(s), showing 1-2", first, StringComparison.Ordinal);
        Assert.Contains("rel=\"next\"", first, StringComparison.Ordinal);
        var (_, second, _) = await GetAsync("/images?limit=2&offset=2");
        Assert.Contains("showing 3-3", second, StringComparison.Ordinal);
        Assert.Contains("rel=\"prev\"", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_names_and_descriptions_are_escaped()
    {
        var digest = Uri.EscapeDataString(Server.EvilDigest);
        foreach (var url in new[] { "/images?q=evil-pkg", $"/images/{digest}", $"/images/{digest}?tab=vulnerabilities", $"/images/{digest}?tab=layers", $"/vulnerabilities/{ConsoleServer.EvilCve}", "/" })
        {
            var (status, body, _) = await GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("<img src=x", body, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>window", body, StringComparison.Ordinal);
        }

        var (_, vulns, _) = await GetAsync($"/images/{digest}?tab=vulnerabilities");
        Assert.Contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;", vulns, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_image_page_shows_every_tab_and_the_reports_download()
    {
        var digest = Uri.EscapeDataString(Server.ShopDigest);
        foreach (var tab in new[] { "summary", "layers", "vulnerabilities", "secrets", "malware", "misconfigurations", "trust", "sbom", "reports", "history" })
        {
            var (status, body, _) = await GetAsync($"/images/{digest}?tab={tab}");
            Assert.True(status == HttpStatusCode.OK, $"{tab}: {(int)status}");
            Assert.Contains("aria-current=\"page\">" + tab[..1].ToUpperInvariant(), body, StringComparison.Ordinal);
        }

        var (_, layers, _) = await GetAsync($"/images/{digest}?tab=layers");
        Assert.Contains("ADD app /app", layers, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;ready&lt;/b&gt;", layers, StringComparison.Ordinal);
        var (_, vulns, _) = await GetAsync($"/images/{digest}?tab=vulnerabilities");
        Assert.Contains(ConsoleServer.LodashCve, vulns, StringComparison.Ordinal);
        Assert.Contains("4.17.19", vulns, StringComparison.Ordinal);
        Assert.Contains("CVSS:3.1/AV:N", vulns, StringComparison.Ordinal);
        var (_, history, _) = await GetAsync($"/images/{digest}?tab=history");
        Assert.Equal(2, Regex.Matches(history, "\\?scan=").Count);

        using var client = await Server.ClientAsync("viewer");
        var cyclonedx = await client.GetAsync($"/images/{digest}/report?format=cyclonedx", Ct);
        Assert.Equal("application/vnd.cyclonedx+json", cyclonedx.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"bomFormat\"", await cyclonedx.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var spdx = await client.GetAsync($"/images/{digest}/report?format=spdx", Ct);
        Assert.Contains("SPDX-2.3", await spdx.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/images/{digest}/report?format=pdf", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/images/sha256%3A0000")).Status);
    }

    [Fact]
    public async Task The_vulnerability_page_lists_every_affected_image_and_the_package_page_every_carrier()
    {
        var (_, cve, _) = await GetAsync($"/vulnerabilities/{ConsoleServer.LodashCve}");
        Assert.Contains("1 image(s) affected", cve, StringComparison.Ordinal);
        Assert.Contains("images/shop", cve, StringComparison.Ordinal);
        Assert.Contains("Prototype pollution in lodash", cve, StringComparison.Ordinal);

        var (_, package, _) = await GetAsync("/vulnerabilities/lodash");
        Assert.Contains("3 image(s) affected", package, StringComparison.Ordinal);
        var (_, version, _) = await GetAsync("/vulnerabilities/lodash%404.17.21");
        Assert.Contains("2 image(s) affected", version, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_is_checked_at_the_line_previewed_and_saved_by_an_admin_only()
    {
        var (cookie, csrf) = await SignInAsync("admin");
        var broken = "name: p1\nrules:\n  - id: r1\n    action: explode\n    vulnerabilities:\n      min-severity: high\n";
        var (status, body) = await SendAsync(HttpMethod.Post, "/policies/p1", cookie, new() { ["_csrf"] = csrf, ["yaml"] = broken, ["action"] = "save" });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("<li class=\"bad\" id=\"line-4\">", body, StringComparison.Ordinal);

        var good = "name: p1\nrules:\n  - id: r1\n    action: block\n    vulnerabilities:\n      min-severity: high\n";
        var preview = await SendAsync(HttpMethod.Post, "/policies/p1", cookie, new() { ["_csrf"] = csrf, ["yaml"] = good, ["action"] = "preview" });
        Assert.Equal(HttpStatusCode.OK, preview.Status);
        Assert.Contains("Preview on 3 stored image(s)", preview.Body, StringComparison.Ordinal);
        Assert.Matches("<td>r1</td><td>block</td><td class=\"num\">2</td>", preview.Body);

        var saved = await SendAsync(HttpMethod.Post, "/policies/p1", cookie, new() { ["_csrf"] = csrf, ["yaml"] = good, ["action"] = "save" });
        Assert.Contains("Saved revision 1.", saved.Body, StringComparison.Ordinal);
        using var scanner = await Server.ClientAsync("scanner");
        var refused = await scanner.PostAsync("/policies/p1", new FormUrlEncodedContent(new Dictionary<string, string> { ["yaml"] = good }), Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task The_scans_page_streams_its_rows_as_server_sent_events()
    {
        using var client = await Server.ClientAsync("viewer");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        using var response = await client.GetAsync("/scans/events", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("event: rows", await reader.ReadLineAsync(timeout.Token));
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}
