using System.Text.RegularExpressions;
using Comb.Testing.Registry;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Comb.Console.Tests;

/// <summary>
/// The console in a real browser: the system's Chromium driven by Playwright against the real server on a loopback
/// port, seeded by real scans. Screenshots of every view go to the test's artifacts folder (console-screenshots).
/// </summary>
public sealed class ConsoleBrowserTests : IAsyncLifetime
{
    private static readonly string[] ChromiumPaths = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

    private readonly ConsoleServer _server = new(kestrel: true, workers: 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _baseUrl = "";

    /// <summary>How long a step may wait (ms). Generous: CI runs every test project at once on two cores.</summary>
    private const int Patience = 120_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string ScreenshotDir => Path.Combine(AppContext.BaseDirectory, "artifacts", "console-screenshots");

    private static string? Chromium => Environment.GetEnvironmentVariable("COMB_CHROMIUM") is { Length: > 0 } set ? set : ChromiumPaths.FirstOrDefault(File.Exists);

    public async ValueTask InitializeAsync()
    {
        if (Chromium is null)
        {
            return;
        }

        await _server.SeedAsync(Ct);
        using (var client = _server.CreateClient())
        {
            _baseUrl = client.BaseAddress!.ToString().TrimEnd('/');
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Directory.CreateDirectory(ScreenshotDir);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string role)
    {
        if (_browser is null)
        {
            Assert.Skip("no Chromium: install Debian's chromium package (scripts/setup.sh) or set COMB_CHROMIUM to its path");
        }

        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _baseUrl, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Patience);
        page.SetDefaultNavigationTimeout(Patience);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        await page.GotoAsync("/");
        Assert.EndsWith("/login?returnUrl=%2F", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("API token").FillAsync(await _server.TokenAsync(role));
        // Wait for the form post's own answer rather than for whatever navigation comes next: a refused token fails
        // here at once with the server's message, and a slow machine only makes each step slower, never racy.
        var login = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(),
            r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == "/login");
        Assert.True(login.Status == 302, $"sign-in as {role} answered {login.Status}: {(login.Status is >= 300 and < 400 ? login.Headers.GetValueOrDefault("location") : await login.TextAsync())}");
        Assert.EndsWith("/", login.Headers.GetValueOrDefault("location") ?? "", StringComparison.Ordinal);

        // The dashboard's heading, found on whichever document is current, shows the redirect was followed; a wait on
        // the address's load state hung now and then after the post had already been answered (302 to /).
        await page.Locator("h1", new() { HasText = "Dashboard" }).WaitForAsync();
        Assert.Equal(_baseUrl + "/", page.Url);
        Assert.Equal("Dashboard", await page.Locator("h1").TextContentAsync());
        return page;
    }

    /// <summary>
    /// Clicks a form's submit button and waits for the server's answer to the post (a redirect back, usually to the
    /// address the page already has, so a wait on the address would return at once or hang on its load state).
    /// </summary>
    private static async Task SubmitAsync(IPage page, ILocator button)
    {
        var answer = await page.RunAndWaitForResponseAsync(() => button.ClickAsync(), r => r.Request.Method == "POST");
        Assert.True(answer.Status is >= 200 and < 400, $"the form post answered {answer.Status}: {(answer.Status >= 400 ? await answer.TextAsync() : "")}");
    }

    private static async Task ShotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });
        Assert.False(await page.EvaluateAsync<bool>("() => window.__pwned !== undefined"), $"script from scanned content ran on {page.Url}");
    }

    private async Task<int> RowsAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        return await page.Locator("table tbody tr").CountAsync();
    }

    [Fact]
    public async Task An_admin_signs_in_and_every_view_loads_and_escapes_hostile_content()
    {
        var page = await SignInAsync("admin");
        Assert.Equal("3", await page.Locator(".card .value").First.TextContentAsync());
        await ShotAsync(page, "dashboard");

        Assert.Equal(3, await RowsAsync(page, "/images"));
        await ShotAsync(page, "images");
        Assert.Equal(1, await RowsAsync(page, "/images?q=" + ConsoleServer.LodashCve));

        // The filter form, as a person uses it.
        await page.GetByLabel("Search").FillAsync("lodash@4.17.21");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("q=lodash%404\\.17\\.21"), new() { Timeout = Patience });
        await Assertions.Expect(page.Locator("table tbody tr")).ToHaveCountAsync(2, new() { Timeout = Patience });

        foreach (var tab in new[] { "summary", "layers", "vulnerabilities", "secrets", "malware", "misconfigurations", "trust", "sbom", "reports", "history" })
        {
            await page.GotoAsync($"/images/{Uri.EscapeDataString(_server.EvilDigest)}?tab={tab}");
            await ShotAsync(page, "image-" + tab);
        }

        Assert.Contains(ConsoleServer.HostileName, await page.Locator("h1").TextContentAsync(), StringComparison.Ordinal);
        await page.GotoAsync($"/vulnerabilities/{ConsoleServer.EvilCve}");
        Assert.Contains("<script>window.__pwned=1</script>", await page.Locator("dl.facts").TextContentAsync(), StringComparison.Ordinal);
        await ShotAsync(page, "vulnerability");
        foreach (var view in new[] { "scans", "policies", "exceptions", "audit", "tokens", "registries", "runtime", "admission" })
        {
            await page.GotoAsync("/" + view);
            Assert.NotEqual("Sign in", await page.Locator("h1").TextContentAsync());
            await ShotAsync(page, view);
        }

        // The scans table follows the queue through server-sent events.
        await page.GotoAsync("/scans");
        await page.Locator("#live-status").Filter(new() { HasTextRegex = new Regex("Live") }).WaitForAsync();
    }

    [Fact]
    public async Task An_exception_added_by_triage_hides_a_finding_until_it_expires()
    {
        var page = await SignInAsync("admin");
        await page.GotoAsync("/policies/gate");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await page.GetByText("Saved revision 1.").WaitForAsync();
        await ShotAsync(page, "policy");

        var vulnerabilities = $"/images/{Uri.EscapeDataString(_server.ShopDigest)}?tab=vulnerabilities";
        await page.GotoAsync(vulnerabilities);
        Assert.Equal(1, await page.Locator("#vulns tbody tr").CountAsync());
        await page.Locator("#vulns summary").First.ClickAsync();
        var today = DateOnly.FromDateTime(_server.Clock.GetUtcNow().UtcDateTime);
        await page.GetByLabel("Triage").SelectOptionAsync("accepted_risk");
        await page.GetByLabel("Reason").FillAsync("internal tool, no untrusted input");
        await page.GetByLabel("Until").FillAsync(today.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await SubmitAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Save triage" }));
        await page.Locator("#excepted > summary", new() { HasText = "1 finding(s) hidden" }).WaitForAsync();
        Assert.Equal(0, await page.Locator("#vulns tbody tr").CountAsync());
        await ShotAsync(page, "triaged");

        await page.GotoAsync("/exceptions");
        Assert.Contains("accepted risk: internal tool", await page.Locator("tbody").TextContentAsync(), StringComparison.Ordinal);

        // Past its last day the exception no longer applies, and the finding is back (the 12-hour session has ended too).
        _server.Clock.Advance(TimeSpan.FromDays(2));
        await page.GotoAsync(vulnerabilities);
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        page = await SignInAsync("admin");
        await page.GotoAsync(vulnerabilities);
        Assert.Equal(1, await page.Locator("#vulns tbody tr").CountAsync());
        Assert.Equal(0, await page.Locator("#excepted").CountAsync());
    }

    [Fact]
    public async Task A_scan_started_from_the_console_finishes_live_and_appears_in_the_images()
    {
        var page = await SignInAsync("scanner");
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous, Ct);
        using (var client = registry.CreateClient())
        {
            var image = new PushableImageBuilder()
                .WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"), ("lib/apk/db/installed", "P:zlib\nV:1.3-r0\nA:x86_64\no:zlib\n\n"))
                .Build();
            await TestImagePusher.PushAsync(client, "console/app", "1.0", image, cancellationToken: Ct);
        }

        await page.GotoAsync("/scans");
        await page.GetByLabel("Image", new() { Exact = true }).FillAsync($"{registry.Host}/console/app:1.0");
        await page.GetByLabel("plain HTTP or self-signed registry").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Scan image" }).ClickAsync();
        // The form posts from /scans and lands on /scans: the address is the same before and after, so no wait on the
        // address or a load state can tell the two pages apart (such waits hung on the replaced page). The row below,
        // found on whichever page is current, is what shows the scan was taken.

        // The row turns "succeeded" without a reload: the table follows the queue over server-sent events.
        await page.Locator("#jobs tr[data-status=succeeded]").WaitForAsync(new() { Timeout = 180_000 });
        Assert.Equal(_baseUrl + "/scans", page.Url);
        await ShotAsync(page, "scan-finished");
        Assert.Equal(1, await RowsAsync(page, "/images?q=console%2Fapp"));
        await page.GetByRole(AriaRole.Link, new() { Name = "console/app:1.0" }).ClickAsync();
        Assert.Contains("console/app:1.0", await page.Locator("h1").TextContentAsync(), StringComparison.Ordinal);
    }

    /// <summary>axe-core on every view, as an admin sees it (the most controls), and the sign-in page.</summary>
    [Fact]
    public async Task Every_view_passes_axe_without_serious_or_critical_violations()
    {
        var problems = new List<string>();
        async Task CheckAsync(IPage page, string url)
        {
            await page.GotoAsync(url);
            var result = await page.RunAxe();
            Assert.NotEmpty(result.Passes);
            foreach (var violation in result.Violations)
            {
                await File.AppendAllTextAsync(Path.Combine(ScreenshotDir, "axe.txt"), $"{url}: {violation.Id} ({violation.Impact}) {violation.Help}\n", Ct);
            }

            foreach (var violation in result.Violations.Where(v => v.Impact is "serious" or "critical"))
            {
                problems.Add($"{url}: {violation.Id} ({violation.Impact}) {violation.Help}: {string.Join(" | ", violation.Nodes.Take(3).Select(n => n.Html))}");
            }
        }

        var page = await SignInAsync("admin");

        // Rows in every table: a policy, an exception with its owner form, and a VEX statement.
        await page.GotoAsync("/policies/gate");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await page.GetByText("Saved revision 1.").WaitForAsync();
        await page.GotoAsync($"/images/{Uri.EscapeDataString(_server.EvilDigest)}?tab=vulnerabilities");
        await page.Locator("#vulns summary").First.ClickAsync();
        await page.GetByLabel("Reason").First.FillAsync("not reachable");
        await SubmitAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Save triage" }).First);
        await page.GotoAsync("/exceptions");
        await page.Locator("#new-exception input[name=finding]").FillAsync("CVE-2099-*");
        await page.Locator("#new-exception input[name=reason]").FillAsync("vendor fix pending");
        await page.Locator("#new-exception").GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await page.GetByText("Added exception").WaitForAsync();

        var digest = Uri.EscapeDataString(_server.ShopDigest);
        string[] urls =
        [
            "/", "/images", .. new[] { "summary", "layers", "vulnerabilities", "secrets", "malware", "misconfigurations", "trust", "sbom", "reports", "history" }
                .Select(t => $"/images/{digest}?tab={t}"),
            $"/images/{Uri.EscapeDataString(_server.EvilDigest)}?tab=vulnerabilities", $"/vulnerabilities/{ConsoleServer.LodashCve}", "/vulnerabilities/lodash",
            "/scans", "/policies", "/policies/gate", "/exceptions", "/vex", "/audit", "/tokens",
        ];
        foreach (var url in urls)
        {
            await CheckAsync(page, url);
        }

        var anonymous = await (await _browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = _baseUrl })).NewPageAsync();
        anonymous.SetDefaultTimeout(120_000);
        await CheckAsync(anonymous, "/login");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task A_registry_added_in_the_console_is_scanned_and_runtime_and_admission_show_what_was_recorded()
    {
        var page = await SignInAsync("admin");
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous, Ct);
        using (var client = registry.CreateClient())
        {
            var image = new PushableImageBuilder().WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"), ("etc/motd", "hello\n")).Build();
            await TestImagePusher.PushAsync(client, "fleet/app", "1.0", image, cancellationToken: Ct);
        }

        // A schedule that is not cron is shown at its field; the form keeps what was typed.
        await page.GotoAsync("/registries");
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("local");
        await page.GetByLabel("URL", new() { Exact = true }).FillAsync($"http://{registry.Host}");
        await page.GetByLabel("Schedule (cron, UTC)").FillAsync("every day");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add registry" }).ClickAsync();
        await page.Locator("#schedule-error").WaitForAsync();
        await ShotAsync(page, "registry-form-error");
        await page.GetByLabel("Schedule (cron, UTC)").FillAsync("@daily");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add registry" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(_baseUrl + "/registries/local", new() { Timeout = Patience });

        // Scan all (confirmed), then the tag's scan finishes on the server's worker and the page shows its verdict.
        // The scan is stored a moment before its job is marked done, so the page is reloaded until the counts settle.
        const string settled = "1 known · 1 scanned · 0 failing · 0 queued";
        await page.GetByRole(AriaRole.Button, new() { Name = "Scan all" }).ClickAsync();
        await page.GetByText("1 tag(s) checked: 1 queued").WaitForAsync();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        do
        {
            await page.GotoAsync("/registries/local");
        }
        while (!(await page.Locator("#registry-counts").TextContentAsync() ?? "").Contains(settled, StringComparison.Ordinal) && DateTime.UtcNow < deadline && await Delay());
        Assert.Contains(settled, await page.Locator("#registry-counts").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await page.GetByRole(AriaRole.Link, new() { Name = "image page" }).CountAsync());
        await ShotAsync(page, "registry");
        await page.GotoAsync("/registries");
        await ShotAsync(page, "registries");
        await page.GotoAsync("/registries/local");
        await page.GetByRole(AriaRole.Link, new() { Name = "image page" }).ClickAsync();
        Assert.Contains("fleet/app:1.0", await page.Locator("h1").TextContentAsync(), StringComparison.Ordinal);

        await ViewSeeds.RecordRuntimeAsync(_server, Ct);
        await page.GotoAsync("/runtime");
        Assert.Equal(2, await page.Locator("#containers tbody tr").CountAsync());
        await page.Locator("#containers summary").First.ClickAsync();
        Assert.Contains("/var/www/html/shell.php", await page.Locator("#containers details").First.TextContentAsync(), StringComparison.Ordinal);
        await ShotAsync(page, "runtime");
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^stopped") }).ClickAsync();
        Assert.Equal(1, await page.Locator("#containers tbody tr").CountAsync());

        await ViewSeeds.RecordDecisionsAsync(_server, 3, Ct);
        await page.GotoAsync("/admission");
        await page.GetByLabel("Decision").SelectOptionAsync("denied");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("decision=denied"), new() { Timeout = Patience });
        await Assertions.Expect(page.Locator("#decisions tbody tr")).ToHaveCountAsync(1, new() { Timeout = Patience });
        Assert.Contains(ViewSeeds.Hostile, await page.Locator("#decisions tbody").TextContentAsync(), StringComparison.Ordinal);
        await ShotAsync(page, "admission");
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        return true;
    }

    [Fact]
    public async Task A_viewer_sees_no_scan_buttons_and_the_api_refuses_them()
    {
        var page = await SignInAsync("viewer");
        await page.GotoAsync("/images");
        Assert.Equal(0, await page.Locator("#scan-selected").CountAsync());
        Assert.Equal(0, await page.Locator("input[name=digest]").CountAsync());
        await page.GotoAsync("/scans");
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Scan image" }).CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Tokens" }).CountAsync());
        await ShotAsync(page, "viewer-scans");

        var api = await page.APIRequest.PostAsync("/api/v1/scans", new APIRequestContextOptions
        {
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer " + await _server.TokenAsync("viewer") },
            DataObject = new { image = "registry.example/app:1.0" },
        });
        Assert.Equal(403, api.Status);
        var console = await page.APIRequest.PostAsync("/scans/all", new APIRequestContextOptions { Form = page.APIRequest.CreateFormData() });
        Assert.Equal(403, console.Status);
    }
}
