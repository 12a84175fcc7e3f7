using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Comb.Cli;
using Comb.Testing.Registry;
using Comb.Testing.Services;

namespace Comb.Server.Tests;

/// <summary>
/// Stored registries scanned against a real registry (behind a counting loopback proxy): enumeration across Link pages,
/// filters, the durable queue, nothing pulled twice, re-match only after a database update, push notifications, 429s.
/// Each runs on both stores the server supports: SQLite and the real PostgreSQL server (the scheduler's claims, the
/// events' dedupe and the per-registry status are SQL of their own on each).
/// </summary>
public sealed class RegistryScanTests(ScanKit kit, PostgresServer postgres) : IClassFixture<ScanKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The kit's settings with a fresh store: a SQLite file, or a new database on the PostgreSQL server.</summary>
    private Dictionary<string, string> Settings(string store, int workers) =>
        kit.Settings(workers, store == "postgres" ? postgres.NewDatabaseUrl() : null);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Scan_all_finds_every_tag_across_pages_then_pulls_nothing_again_and_only_rematches_after_a_database_update(string store)
    {
        // Given 8 repositories of 3 tags each (24 images), listed by the registry 5 to a page
        var repositories = Enumerable.Range(1, 8).Select(i => $"fleet-{store}/app{i}").ToArray();
        await RegistryFleet.PushAsync(kit.Registry, repositories, ["1.0", "1.1", "2.0"], Ct);
        await using var proxy = FaultInjectingProxy.Start(kit.Registry.Host, (_, _) => Task.FromResult(false));
        var settings = Settings(store, workers: 2);
        settings["Comb:RegistryPageSize"] = "5";
        await using var server = new ServerFactory(settings);
        using var admin = await server.ClientAsync("admin");
        using var scanner = await server.ClientAsync("scanner");
        await RegistryFleet.CreateAsync(admin, new { name = "fleet", url = $"http://{proxy.Host}", repositories = new[] { $"fleet-{store}/*" } }, Ct);

        // When everything is scanned
        var cold = await RegistryFleet.ScanAllAsync(scanner, "fleet", Ct);

        // Then every tag was found through the Link pages and queued once
        Assert.Equal(8, cold.GetProperty("repositories").GetInt32());
        Assert.Equal(24, cold.GetProperty("tags").GetInt32());
        Assert.Equal(24, cold.GetProperty("queued").GetInt32());
        Assert.True(proxy.Hits["/v2/_catalog"] >= 2, "the catalog was not read page by page");
        var view = await RegistryFleet.SettledAsync(scanner, "fleet", Ct);
        Assert.Equal(24, view.GetProperty("images").GetInt32());
        Assert.Equal(24, view.GetProperty("scanned").GetInt32());
        Assert.Equal(0, view.GetProperty("failed").GetInt32());
        Assert.True(view.TryGetProperty("lastScan", out var lastScan) && lastScan.ValueKind == JsonValueKind.String);
        var pulls = RegistryFleet.BlobRequests(proxy);
        Assert.True(pulls > 0);

        // When it is scanned again: nothing is queued and no blob is read
        var again = await RegistryFleet.ScanAllAsync(scanner, "fleet", Ct);
        Assert.Equal(0, again.GetProperty("queued").GetInt32());
        Assert.Equal(24, again.GetProperty("unchanged").GetInt32());
        Assert.Equal(pulls, RegistryFleet.BlobRequests(proxy));

        // When the advisory database changes: every image is re-matched from its stored inventory, still without a pull
        var added = store == "postgres" ? "CVE-2099-4322" : "CVE-2099-4321"; // new to this run's images, whichever store ran first
        await File.WriteAllTextAsync(Path.Combine(kit.Root, "feeds", "alpine-secdb", "v3.20", "main.json"), """
            {"distroversion": "v3.20", "reponame": "main", "packages": [
              {"pkg": {"name": "zlib", "secfixes": {"1.3.1-r0": ["CVE-2099-1234", "ADDED"]}}}
            ]}
            """.Replace("ADDED", added, StringComparison.Ordinal), Ct);
        using (var output = new StringWriter())
        {
            Assert.True(await CombApp.RunAsync(["db", "import", Path.Combine(kit.Root, "feeds"), "--cache-dir", kit.CacheDir], output, output) == 0, output.ToString());
        }

        var rematch = await RegistryFleet.ScanAllAsync(scanner, "fleet", Ct);
        Assert.Equal(24, rematch.GetProperty("rematched").GetInt32());
        Assert.Equal(0, rematch.GetProperty("queued").GetInt32());
        Assert.Equal(pulls, RegistryFleet.BlobRequests(proxy));
        var images = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/registries/fleet/images", Ct);
        var scanId = images[0].GetProperty("scanId").GetString()!;
        var report = await scanner.GetFromJsonAsync<JsonElement>($"/api/v1/history/{scanId}/report", Ct);
        Assert.Contains(report.GetProperty("vulnerabilities").EnumerateArray(), v => v.GetProperty("id").GetString() == added);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Filters_keep_the_newest_tags_skip_what_is_excluded_and_a_selection_scans_only_its_repositories(string store)
    {
        await RegistryFleet.PushAsync(kit.Registry, ["filter/web", "filter/api"], ["1.2", "1.9", "1.10", "2.0-dev", "latest"], Ct);
        await using var server = new ServerFactory(Settings(store, workers: 0));
        using var admin = await server.ClientAsync("admin");
        using var scanner = await server.ClientAsync("scanner");
        await RegistryFleet.CreateAsync(admin, new
        {
            name = "filtered", url = $"http://{kit.Registry.Host}", repositories = new[] { "filter/**" }, tags = new[] { "1.*", "2.*" },
            skipTags = new[] { "*-dev" }, lastTags = 2,
        }, Ct);

        var response = await scanner.PostAsJsonAsync("/api/v1/registries/filtered/scan", new { repositories = new[] { "filter/web" } }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var summary = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(1, summary.GetProperty("repositories").GetInt32());
        Assert.Equal(2, summary.GetProperty("queued").GetInt32());
        var images = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/registries/filtered/images", Ct);
        Assert.Equal(["filter/web:1.10", "filter/web:1.9"], images.EnumerateArray().Select(i => $"{i.GetProperty("repository").GetString()}:{i.GetProperty("tag").GetString()}").Order(StringComparer.Ordinal));
        Assert.All(images.EnumerateArray(), i => Assert.Equal("queued", i.GetProperty("status").GetString()));

        // The queued jobs are the scan API's own: listed, with the registry's trigger.
        var scans = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/scans", Ct);
        Assert.Equal(2, scans.GetProperty("items").GetArrayLength());
        Assert.Contains("@sha256:", scans.GetProperty("items")[0].GetProperty("image").GetString(), StringComparison.Ordinal);

        // Scanning again while they wait queues nothing twice.
        var again = await RegistryFleet.ScanAllAsync(scanner, "filtered", Ct);
        Assert.Equal(4, again.GetProperty("tags").GetInt32());
        Assert.Equal(2, again.GetProperty("alreadyQueued").GetInt32());
        Assert.Equal(2, again.GetProperty("queued").GetInt32());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Push_notifications_of_both_envelope_types_scan_manifest_pushes_once_whatever_the_duplicates_and_order(string store)
    {
        var digests = await RegistryFleet.PushAsync(kit.Registry, ["hook/app"], ["1.0", "1.1"], Ct);
        await using var server = new ServerFactory(Settings(store, workers: 0));
        using var admin = await server.ClientAsync("admin");
        using var scanner = await server.ClientAsync("scanner");
        using var viewer = await server.ClientAsync("viewer");
        await RegistryFleet.CreateAsync(admin, new { name = "hooked", url = $"http://{kit.Registry.Host}" }, Ct);
        var now = DateTimeOffset.UtcNow;
        var push = Event("e-1", "push", "application/vnd.oci.image.manifest.v1+json", "hook/app", "1.0", digests["hook/app:1.0"], now);
        var layer = Event("e-2", "push", "application/vnd.oci.image.layer.v1.tar+gzip", "hook/app", null, digests["hook/app:1.1"], now);
        var pull = Event("e-3", "pull", "application/vnd.oci.image.manifest.v1+json", "hook/app", "1.1", digests["hook/app:1.1"], now);

        // v1 envelope: one manifest push (sent twice in the same delivery), a layer push and a pull
        var first = await NotifyAsync(scanner, "application/vnd.docker.distribution.events.v1+json", push, push, layer, pull);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(1, first.Body.GetProperty("queued").GetInt32());
        Assert.Equal(1, first.Body.GetProperty("duplicates").GetInt32());
        Assert.Equal(2, first.Body.GetProperty("ignored").GetInt32());

        // v2 envelope: the same event delivered again is a duplicate; a tag's older event after a newer one does not move it back
        var newer = Event("e-4", "push", "application/vnd.oci.image.manifest.v1+json", "hook/app", "1.1", digests["hook/app:1.1"], now.AddMinutes(1));
        var older = Event("e-5", "push", "application/vnd.oci.image.manifest.v1+json", "hook/app", "1.1", digests["hook/app:1.0"], now.AddMinutes(-1));
        var second = await NotifyAsync(scanner, "application/vnd.docker.distribution.events.v2+json", push, newer, older);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(1, second.Body.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, second.Body.GetProperty("queued").GetInt32());
        Assert.Equal(1, second.Body.GetProperty("stale").GetInt32());
        var images = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/registries/hooked/images", Ct);
        Assert.Equal(digests["hook/app:1.1"], images.EnumerateArray().Single(i => i.GetProperty("tag").GetString() == "1.1").GetProperty("digest").GetString());
        Assert.Equal(2, (await scanner.GetFromJsonAsync<JsonElement>("/api/v1/scans", Ct)).GetProperty("items").GetArrayLength());

        // The same digest under a new tag, while its scan waits: merged, not scanned twice
        var retag = Event("e-6", "push", "application/vnd.docker.distribution.manifest.v2+json", "hook/app", "stable", digests["hook/app:1.0"], now.AddMinutes(2));
        var third = await NotifyAsync(scanner, "application/vnd.docker.distribution.events.v1+json", retag);
        Assert.Equal(1, third.Body.GetProperty("alreadyQueued").GetInt32());
        Assert.Equal(2, (await scanner.GetFromJsonAsync<JsonElement>("/api/v1/scans", Ct)).GetProperty("items").GetArrayLength());

        Assert.Equal(HttpStatusCode.Forbidden, (await NotifyAsync(viewer, "application/vnd.docker.distribution.events.v1+json", push)).Status);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await NotifyAsync(scanner, "text/plain", push)).Status);
        var malformed = await scanner.PostAsync("/api/v1/registries/hooked/events",
            new StringContent("{\"event\": 1}", Encoding.UTF8, "application/vnd.docker.distribution.events.v1+json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_registry_answering_429_is_waited_for_as_Retry_After_asks_and_one_that_keeps_refusing_is_recorded_as_rate_limited(string store)
    {
        await RegistryFleet.PushAsync(kit.Registry, ["limited/app"], ["1.0"], Ct);
        var refuse = true;
        await using var proxy = FaultInjectingProxy.Start(kit.Registry.Host, async (context, hit) =>
        {
            if (context.Request.Url!.AbsolutePath != "/v2/_catalog" || (hit > 1 && !Volatile.Read(ref refuse)))
            {
                return false;
            }

            await FaultInjectingProxy.AnswerAsync(context, 429, retryAfterSeconds: 1);
            return true;
        });
        var settings = Settings(store, workers: 0);
        settings["Comb:RegistryMaxAttempts"] = "2";
        await using var server = new ServerFactory(settings);
        using var admin = await server.ClientAsync("admin");
        using var scanner = await server.ClientAsync("scanner");
        await RegistryFleet.CreateAsync(admin, new { name = "limited", url = $"http://{proxy.Host}", repositories = new[] { "limited/*" } }, Ct);

        // A registry that keeps answering 429: the scan gives up after its attempts and says why
        var refused = await scanner.PostAsync("/api/v1/registries/limited/scan-all", null, Ct);
        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        Assert.Equal("rate-limit", (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("kind").GetString());
        var view = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/registries/limited", Ct);
        Assert.Equal("rate-limit", view.GetProperty("lastError").GetProperty("kind").GetString());

        // One that asks once to wait a second: waited for, then the scan goes on
        Volatile.Write(ref refuse, false);
        proxy.Hits.Clear();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var summary = await RegistryFleet.ScanAllAsync(scanner, "limited", Ct);
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(0.9), $"retried after {started.Elapsed}, before Retry-After");
        Assert.Equal(2, proxy.Hits["/v2/_catalog"]);
        Assert.Equal(1, summary.GetProperty("queued").GetInt32());
        view = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/registries/limited", Ct);
        Assert.Equal(JsonValueKind.Null, view.GetProperty("lastError").ValueKind);
        Assert.Equal(1, view.GetProperty("errors").GetInt32());
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_registry_that_needs_a_password_is_enumerated_and_scanned_with_the_stored_credentials(string store)
    {
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Basic, Ct);
        await RegistryFleet.PushAsync(registry, ["private/app"], ["1.0"], Ct);
        await using var server = new ServerFactory(Settings(store, workers: 1));
        using var admin = await server.ClientAsync("admin");
        using var scanner = await server.ClientAsync("scanner");
        await RegistryFleet.CreateAsync(admin, new { name = "private", url = $"http://{registry.Host}" }, Ct);
        Assert.Equal(HttpStatusCode.BadGateway, (await scanner.PostAsync("/api/v1/registries/private/scan-all", null, Ct)).StatusCode);
        Assert.Equal("auth", (await scanner.GetFromJsonAsync<JsonElement>("/api/v1/registries/private", Ct)).GetProperty("lastError").GetProperty("kind").GetString());

        var patched = await admin.PatchAsJsonAsync("/api/v1/registries/private", new { username = RegistryServer.Username, password = RegistryServer.Password }, Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var summary = await RegistryFleet.ScanAllAsync(scanner, "private", Ct);
        Assert.Equal(1, summary.GetProperty("queued").GetInt32());
        var view = await RegistryFleet.SettledAsync(scanner, "private", Ct);
        Assert.Equal(1, view.GetProperty("scanned").GetInt32());

        // The job row carries the registry's name, never its password.
        var scans = await scanner.GetFromJsonAsync<JsonElement>("/api/v1/scans", Ct);
        Assert.Equal("succeeded", scans.GetProperty("items")[0].GetProperty("status").GetString());
        var database = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Data.ServerDatabase>(server.Services);
        await using var connection = await database.OpenConnectionAsync(Ct);
        var payload = (string)(await Comb.Jobs.JobDb.ScalarAsync(connection, null, "SELECT payload FROM jobs", Ct))!;
        Assert.Contains("\"registry\":\"private\"", payload, StringComparison.Ordinal);
        Assert.DoesNotContain(RegistryServer.Password, payload, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task A_scheduled_registry_is_scanned_when_its_cron_time_comes_and_shows_its_next_run(string store)
    {
        await RegistryFleet.PushAsync(kit.Registry, ["cron/app"], ["1.0"], Ct);
        var settings = Settings(store, workers: 0);
        settings["Comb:ScheduleCheckSeconds"] = "0.2";
        await using var server = new ServerFactory(settings);
        using var admin = await server.ClientAsync("admin");
        await RegistryFleet.CreateAsync(admin, new { name = "cron", url = $"http://{kit.Registry.Host}", repositories = new[] { "cron/*" }, schedule = "* * * * * *" }, Ct);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        JsonElement view;
        do
        {
            await Task.Delay(200, timeout.Token);
            view = await admin.GetFromJsonAsync<JsonElement>("/api/v1/registries/cron", timeout.Token);
        }
        while (view.GetProperty("lastScan").ValueKind == JsonValueKind.Null);

        Assert.Equal(1, view.GetProperty("images").GetInt32());
        Assert.Equal(1, view.GetProperty("pending").GetInt32());
        Assert.True(view.GetProperty("nextRun").GetDateTimeOffset() > view.GetProperty("lastScan").GetDateTimeOffset().AddSeconds(-1));
    }

    [Fact]
    public async Task The_cli_adds_a_registry_with_the_password_from_stdin_lists_it_and_has_it_scanned()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Basic, Ct);
        await RegistryFleet.PushAsync(registry, ["cli/app"], ["1.0", "2.0"], Ct);
        using var server = await ServerProcessTests.StartServerAsync(kit.CacheDir, Path.Combine(kit.Root, "stores", Guid.NewGuid().ToString("N") + ".db"), workers: 1);
        string[] remote = ["--server", server.Url, "--token", server.Token];

        var original = Console.In;
        Console.SetIn(new StringReader(RegistryServer.Password + "\n"));
        (int Code, string Out, string Err) added;
        try
        {
            added = await ServerProcessTests.RunCliAsync(["registry", "add", "cli", $"http://{registry.Host}", "--username", RegistryServer.Username, "--password-stdin",
                "--repository", "cli/*", "--last-tags", "1", "--schedule", "0 3 * * *", .. remote]);
        }
        finally
        {
            Console.SetIn(original);
        }

        Assert.True(added.Code == 0, added.Err);
        Assert.Contains("added registry cli", added.Out, StringComparison.Ordinal);
        Assert.Contains("next scheduled scan", added.Out, StringComparison.Ordinal);

        var scanned = await ServerProcessTests.RunCliAsync(["registry", "scan", "cli", .. remote]);
        Assert.True(scanned.Code == 0, scanned.Err);
        Assert.Contains("1 tags: 1 queued", scanned.Out, StringComparison.Ordinal);
        using var client = server.Client();
        await RegistryFleet.SettledAsync(client, "cli", Ct);

        var listed = await ServerProcessTests.RunCliAsync(["registry", "list", .. remote]);
        Assert.True(listed.Code == 0, listed.Err);
        var row = listed.Out.Split('\n').Single(l => l.StartsWith("cli ", StringComparison.Ordinal));
        Assert.Matches(@"^cli\s+http://\S+\s+basic\s+1\s+1\s+0\s+0\s", row);
        Assert.DoesNotContain(RegistryServer.Password, listed.Out + (await ServerProcessTests.RunCliAsync(["registry", "list", "--json", .. remote])).Out, StringComparison.Ordinal);

        var refused = await ServerProcessTests.RunCliAsync(["registry", "add", "x", "http://h:1", "--username", "u", .. remote]);
        Assert.Equal(2, refused.Code);
        Assert.Contains("--username and --password-stdin go together", refused.Err, StringComparison.Ordinal);
        var missing = await ServerProcessTests.RunCliAsync(["registry", "scan", "nope", .. remote]);
        Assert.Equal(2, missing.Code);
        Assert.Contains("no registry named nope", missing.Err, StringComparison.Ordinal);
    }

    private static object Event(string id, string action, string mediaType, string repository, string? tag, string digest, DateTimeOffset at) => new
    {
        id, timestamp = at.ToString("O"), action,
        target = new { mediaType, digest, size = 1234, repository, url = $"http://internal/v2/{repository}/manifests/{digest}", tag },
        request = new { id = "r", addr = "127.0.0.1", host = "registry", method = "PUT", useragent = "test" },
        source = new { addr = "registry:5000", instanceID = "i" },
    };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> NotifyAsync(HttpClient client, string mediaType, params object[] events)
    {
        var content = new StringContent(JsonSerializer.Serialize(new { events }), Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        var response = await client.PostAsync("/api/v1/registries/hooked/events", content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
