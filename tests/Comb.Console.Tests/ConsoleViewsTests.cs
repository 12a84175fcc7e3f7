using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Comb.Contracts;
using Comb.Engine;
using Comb.Server;
using Comb.Server.Registries;
using Comb.Storage;
using Comb.Testing.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Console.Tests;

/// <summary>
/// The registries, runtime and admission views through the in-memory host: data made by the real stores and APIs (a
/// real registry scanned by the server, runtime rounds and admission decisions recorded as the watch and the webhook
/// record them), shown escaped, paged in SQL, with roles and CSRF enforced on every button.
/// </summary>
public sealed partial class ConsoleViewsTests(SeededConsole seeded) : IClassFixture<SeededConsole>
{
    private const string Hostile = ViewSeeds.Hostile;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ConsoleServer Server => seeded.Server;

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string url, string? role = "viewer")
    {
        using var client = await Server.ClientAsync(role);
        var response = await client.GetAsync(url, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private async Task<(HttpStatusCode Status, string Body, string? Location)> PostAsync(string url, string role, Dictionary<string, string>? form = null, IEnumerable<KeyValuePair<string, string>>? pairs = null)
    {
        using var client = await Server.ClientAsync(role);
        IEnumerable<KeyValuePair<string, string>> fields = pairs ?? (IEnumerable<KeyValuePair<string, string>>?)form ?? [];
        var response = await client.PostAsync(url, new FormUrlEncodedContent(fields), Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.Location?.ToString());
    }

    /// <summary>A signed-in session of the role: its cookie and its CSRF token (read from a page's form).</summary>
    private async Task<(string Cookie, string Csrf)> SignInAsync(string role)
    {
        using var client = await Server.ClientAsync(null);
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = await Server.TokenAsync(role) }), Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var cookie = response.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var (_, page) = await SendAsync("/registries", cookie, null);
        var csrf = CsrfField().Match(page);
        Assert.True(csrf.Success, "no CSRF field on /registries");
        return (cookie, csrf.Groups[1].Value);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(string url, string cookie, Dictionary<string, string>? form, string? origin = null)
    {
        using var client = await Server.ClientAsync(null);
        using var request = new HttpRequestMessage(form is null ? HttpMethod.Get : HttpMethod.Post, url);
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

    private static void AssertEscaped(string body)
    {
        Assert.DoesNotContain("<img src=x", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_registries_pages_show_a_scanned_registry_its_tags_and_their_verdicts()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous, Ct);
        using (var client = registry.CreateClient())
        {
            var one = new PushableImageBuilder().WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"), ("app/one", "1\n")).Build();
            var two = new PushableImageBuilder().WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"), ("app/two", "2\n")).Build();
            await TestImagePusher.PushAsync(client, "team/app", "1.0", one, cancellationToken: Ct);
            await TestImagePusher.PushAsync(client, "team/app", "2.0", two, cancellationToken: Ct);
        }

        // 1.0 has a stored scan (the server's own engine); 2.0 has none yet.
        var locations = Server.Services.GetRequiredService<ServerLocations>();
        var scanned = await Server.Services.GetRequiredService<ImageScanner>().ScanAsync($"{registry.Host}/team/app:1.0",
            new ScanOptions { CacheDir = locations.CacheDir, StorePath = locations.Store, InsecureRegistry = true, Trigger = "test" }, null, Ct);
        var digest = DigestOf.Image(scanned.Image);

        using (var admin = await Server.ClientAsync("admin"))
        {
            var created = await admin.PostAsJsonAsync("/api/v1/registries", new
            {
                name = "local", url = $"http://{registry.Host}", username = "robot" + Hostile, password = "never-shown-pass", skipTags = new[] { Hostile }, schedule = "0 3 * * *",
            }, Ct);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // A viewer reads, and sees no buttons.
        var (status, list) = await GetAsync("/registries");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("href=\"/registries/local\"", list, StringComparison.Ordinal);
        Assert.Contains("<code>0 3 * * *</code>", list, StringComparison.Ordinal);
        Assert.Contains("password stored", list, StringComparison.Ordinal);
        Assert.DoesNotContain("never-shown-pass", list, StringComparison.Ordinal);
        Assert.DoesNotContain("scan-all\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"registry-form\"", list, StringComparison.Ordinal);
        AssertEscaped(list);
        Assert.Contains("robot&lt;img", list, StringComparison.Ordinal);

        // A scanner scans all: both tags are queued (no workers here), and the page counts them.
        var (scanStatus, scanBody, _) = await PostAsync("/registries/local/scan-all", "scanner");
        Assert.Equal(HttpStatusCode.OK, scanStatus);
        Assert.Contains("2 tag(s) checked: 2 queued", scanBody, StringComparison.Ordinal);
        var (_, page) = await GetAsync("/registries/local");
        Assert.Contains("2 known · 0 scanned · 0 failing · 2 queued", page, StringComparison.Ordinal);
        Assert.Contains("2 tag(s), showing 1-2", page, StringComparison.Ordinal);
        Assert.Equal(2, RowOf().Matches(page).Count);
        Assert.Contains($"href=\"/images/{Uri.EscapeDataString(digest)}\"", page, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(page, "image page</a>"));
        Assert.DoesNotContain("name=\"tag\"", page, StringComparison.Ordinal);
        AssertEscaped(page);

        // Paging and search run in SQL.
        var (_, second) = await GetAsync("/registries/local?offset=1");
        Assert.Contains("2 tag(s), showing 2-2", second, StringComparison.Ordinal);
        Assert.Contains("rel=\"prev\"", second, StringComparison.Ordinal);
        Assert.Contains("<td>2.0</td>", second, StringComparison.Ordinal);
        var (_, search) = await GetAsync("/registries/local?q=1.0");
        Assert.Contains("1 tag(s), showing 1-1", search, StringComparison.Ordinal);

        // Scan selected: the chosen tag only, read again from the registry; it is already queued.
        var (_, scannerPage) = await GetAsync("/registries/local", "scanner");
        Assert.Contains("value=\"team/app:1.0\"", scannerPage, StringComparison.Ordinal);
        var (selectedStatus, selected, _) = await PostAsync("/registries/local/scan", "scanner", pairs: [new("tag", "team/app:1.0")]);
        Assert.Equal(HttpStatusCode.OK, selectedStatus);
        Assert.Contains("1 tag(s) checked: 0 queued, 1 already queued", selected, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync("/registries/local/scan", "scanner")).Status);

        var (_, audit) = await GetAsync("/audit?action=registry.scan", "admin");
        Assert.Contains("team/app:1.0: 1 tags", audit, StringComparison.Ordinal);
        Assert.Contains("all: 2 tags, 2 queued", audit, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/registries/nope")).Status);
    }

    [Fact]
    public async Task An_admin_adds_edits_and_removes_a_registry_with_csrf_and_never_sees_its_password_again()
    {
        var (cookie, csrf) = await SignInAsync("admin");
        var form = new Dictionary<string, string>
        {
            ["name"] = "corp", ["url"] = "https://registry.example:5000", ["auth"] = "basic", ["username"] = "robot", ["password"] = "s3cret-form-pass",
            ["repositories"] = "team/**, base/*", ["lastTags"] = "3", ["schedule"] = "every day at noon",
        };

        // No CSRF token, a wrong one, or another origin: refused before anything is read.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("/registries", cookie, form)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("/registries", cookie, new(form) { ["_csrf"] = csrf + "x" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync("/registries", cookie, new(form) { ["_csrf"] = csrf }, origin: "http://evil.example")).Status);

        // A schedule that is not cron is shown at the field; what was typed comes back, the password does not.
        var (bad, badBody) = await SendAsync("/registries", cookie, new(form) { ["_csrf"] = csrf });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Matches("id=\"schedule-error\">schedule &#x27;every day at noon&#x27; is not a cron expression", badBody);
        Assert.Contains("value=\"team/**, base/*\"", badBody, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-form-pass", badBody, StringComparison.Ordinal);

        var (created, _) = await SendAsync("/registries", cookie, new(form) { ["_csrf"] = csrf, ["schedule"] = "@daily" });
        Assert.Equal(HttpStatusCode.Redirect, created);
        var store = Server.Services.GetRequiredService<RegistryStore>();
        var record = await store.GetAsync("corp", Ct);
        Assert.NotNull(record);
        Assert.Equal("s3cret-form-pass", record.Secret);
        Assert.Equal(["team/**", "base/*"], record.Filters.Repositories);
        Assert.Equal(3, record.Filters.LastTags);
        Assert.NotNull(record.NextRunAt);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync("/registries", cookie, new(form) { ["_csrf"] = csrf, ["schedule"] = "" })).Status);

        // The edit form never carries the secret; leaving it empty keeps it, an emptied filter is cleared.
        var (_, edit) = await SendAsync("/registries/corp/edit", cookie, null);
        Assert.DoesNotContain("s3cret-form-pass", edit, StringComparison.Ordinal);
        Assert.Contains("Leave empty to keep the stored one.", edit, StringComparison.Ordinal);
        var (saved, _) = await SendAsync("/registries/corp", cookie, new()
        {
            ["_csrf"] = csrf, ["url"] = "https://registry.example:5001", ["auth"] = "basic", ["username"] = "robot2", ["password"] = "", ["repositories"] = "team/**", ["schedule"] = "",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved);
        record = await store.GetAsync("corp", Ct);
        Assert.Equal(("https://registry.example:5001", "robot2", "s3cret-form-pass"), (record!.Url, record.Username, record.Secret));
        Assert.Null(record.Filters.LastTags);
        Assert.Null(record.Schedule);

        // Bearer token and credential helper sign-ins.
        Assert.Equal(HttpStatusCode.Redirect, (await SendAsync("/registries/corp", cookie, new() { ["_csrf"] = csrf, ["url"] = record.Url, ["auth"] = "token", ["token"] = "tok-1" })).Status);
        Assert.Equal(("token", "tok-1"), ((await store.GetAsync("corp", Ct))!.Auth, (await store.GetAsync("corp", Ct))!.Secret));
        var (helperBad, helperBody) = await SendAsync("/registries/corp", cookie, new() { ["_csrf"] = csrf, ["url"] = record.Url, ["auth"] = "credential-helper", ["credentialHelper"] = "bad name" });
        Assert.Equal(HttpStatusCode.BadRequest, helperBad);
        Assert.Contains("must name a helper", helperBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await SendAsync("/registries/corp", cookie, new() { ["_csrf"] = csrf, ["url"] = record.Url, ["auth"] = "credential-helper", ["credentialHelper"] = "ecr-login" })).Status);
        Assert.Contains("docker-credential-ecr-login", (await SendAsync("/registries/corp", cookie, null)).Body, StringComparison.Ordinal);

        // Only an admin manages; a scanner may not add, edit or remove.
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/registries", "scanner", form)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync("/registries/corp/edit", "scanner")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/registries/corp/delete", "scanner")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/registries/corp/scan-all", "viewer")).Status);

        Assert.Equal(HttpStatusCode.Redirect, (await SendAsync("/registries/corp/delete", cookie, new() { ["_csrf"] = csrf })).Status);
        Assert.Null(await store.GetAsync("corp", Ct));
        var (_, audit) = await GetAsync("/audit?action=registry.", "admin");
        foreach (var action in new[] { "registry.create", "registry.update", "registry.delete" })
        {
            Assert.Contains($"<td>{action}</td>", audit, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("s3cret-form-pass", audit, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-1", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_runtime_page_shows_containers_their_image_verdict_privileges_and_drift()
    {
        await ViewSeeds.RecordRuntimeAsync(Server, Ct);

        var (status, running) = await GetAsync("/runtime");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("2 container(s), showing 1-2", running, StringComparison.Ordinal);
        AssertEscaped(running);
        Assert.Contains("db&lt;img", running, StringComparison.Ordinal);

        // Drifted first, since the round the drift was first seen, with its path and the web shell the engines found.
        var rows = Regex.Matches(running, "<tr data-drifted=\"(true|false)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["true", "false"], rows);
        Assert.Contains("since 2026-03-01 08:01:00Z, 1 file(s)", running, StringComparison.Ordinal);
        Assert.Contains("<code>/var/www/html/shell.php</code> added", running, StringComparison.Ordinal);
        Assert.Contains("malware: webshell php-eval", running, StringComparison.Ordinal);
        Assert.Contains("Runs as root", running, StringComparison.Ordinal);
        Assert.Contains($"href=\"/images/{Uri.EscapeDataString(Server.ShopDigest)}\"", running, StringComparison.Ordinal);
        Assert.Contains("not scanned", running, StringComparison.Ordinal);

        Assert.Single(Regex.Matches((await GetAsync("/runtime?view=drifted")).Body, "<tr data-drifted="));
        var (_, stopped) = await GetAsync("/runtime?view=stopped");
        Assert.Contains("<strong>job</strong>", stopped, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(stopped, "<tr data-drifted="));
        Assert.Equal(3, Regex.Matches((await GetAsync("/runtime?view=all")).Body, "<tr data-drifted=").Count);
        foreach (var role in new[] { "scanner", "admin" })
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync("/runtime", role)).Status);
        }
    }

    [Fact]
    public async Task The_admission_page_lists_decisions_filters_and_pages_them()
    {
        await ViewSeeds.RecordDecisionsAsync(Server, 55, Ct);

        var (status, first) = await GetAsync("/admission");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Comb.Server.WebConsole.AdmissionPage.PageSize, Regex.Matches(first, "<tr data-allowed=").Count);
        Assert.Contains("rel=\"next\"", first, StringComparison.Ordinal);
        var (_, older) = await GetAsync("/admission?offset=50");
        Assert.Equal(7, Regex.Matches(older, "<tr data-allowed=").Count);
        Assert.Contains("rel=\"prev\"", older, StringComparison.Ordinal);

        var (_, denied) = await GetAsync("/admission?decision=denied");
        Assert.Single(Regex.Matches(denied, "<tr data-allowed=\"false\""));
        Assert.DoesNotContain("data-allowed=\"true\"", denied, StringComparison.Ordinal);
        Assert.Contains("denied by rule trusted-registries", denied, StringComparison.Ordinal);
        Assert.Contains("alice&lt;img", denied, StringComparison.Ordinal);
        AssertEscaped(denied);

        var (_, shop) = await GetAsync("/admission?namespace=shop&decision=allowed");
        Assert.Single(Regex.Matches(shop, "<tr data-allowed="));
        Assert.Contains("replicaset-controller", shop, StringComparison.Ordinal);
        Assert.Contains("rule warn-high", shop, StringComparison.Ordinal);
        Assert.Contains($"href=\"/images/{Uri.EscapeDataString(Server.ShopDigest)}\"", shop, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync("/admission?decision=maybe")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await GetAsync("/admission", null)).Status);
    }

    [Fact]
    public async Task The_new_views_are_in_the_navigation_and_keep_the_strict_policy()
    {
        foreach (var url in new[] { "/registries", "/runtime", "/admission" })
        {
            using var client = await Server.ClientAsync("viewer");
            var response = await client.GetAsync(url, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Comb.Server.WebConsole.ConsoleLayout.ContentSecurityPolicy, string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
            Assert.Contains($"<a href=\"{url}\" aria-current=\"page\">", body, StringComparison.Ordinal);
            Assert.DoesNotContain(" style=\"", body, StringComparison.Ordinal);
            Assert.DoesNotMatch("<script>[^<]", body);
            Assert.Equal(HttpStatusCode.Redirect, (await (await Server.ClientAsync(null)).GetAsync(url, Ct)).StatusCode);
        }
    }

    [GeneratedRegex("name=\"_csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();

    [GeneratedRegex("<tr><td>team/app</td>|<tr><td><input type=\"checkbox\" name=\"tag\"|<tr>\\s*<td>team/app</td>")]
    private static partial Regex RowOf();
}
