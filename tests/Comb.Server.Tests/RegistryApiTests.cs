using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Data;
using Comb.Testing.Services;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

/// <summary>
/// /api/v1/registries without scanning: roles, validation, credentials that go in and never come out, audit, OpenAPI.
/// What is stored runs on SQLite and on the real PostgreSQL server.
/// </summary>
public sealed class RegistryApiTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Settings for a server on a fresh store: its own SQLite file, or a new database on the PostgreSQL server.</summary>
    private Dictionary<string, string> Store(string store, Dictionary<string, string>? settings = null)
    {
        settings ??= [];
        if (store == "postgres")
        {
            settings["Comb:Store"] = postgres.NewDatabaseUrl();
        }

        return settings;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task An_admin_adds_a_registry_whose_password_is_stored_encrypted_and_never_returned(string store)
    {
        await using var server = new ServerFactory(Store(store));
        using var admin = await server.ClientAsync("admin");
        const string password = "s3cret-registry-pass";

        var created = await RegistryFleet.CreateAsync(admin, new
        {
            name = "corp", url = "https://registry.example:5000", insecure = false, username = "robot", password,
            repositories = new[] { "team/**" }, skipTags = new[] { "*-dev" }, lastTags = 3, schedule = "0 3 * * *",
        }, Ct);

        Assert.Equal("basic", created.GetProperty("auth").GetString());
        Assert.Equal("robot", created.GetProperty("username").GetString());
        Assert.True(created.GetProperty("hasSecret").GetBoolean());
        Assert.Equal(3, created.GetProperty("filters").GetProperty("lastTags").GetInt32());
        Assert.True(created.GetProperty("nextRun").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Equal(0, created.GetProperty("images").GetInt32());
        foreach (var read in new[] { "/api/v1/registries", "/api/v1/registries/corp" })
        {
            Assert.DoesNotContain(password, await admin.GetStringAsync(read, Ct), StringComparison.Ordinal);
        }

        // At rest: the column holds Data Protection's ciphertext; the key ring is under <cache>/server/keys.
        var database = server.Services.GetRequiredService<ServerDatabase>();
        await using (var connection = await database.OpenConnectionAsync(Ct))
        {
            var stored = (string)(await JobDb.ScalarAsync(connection, null, "SELECT secret FROM registries WHERE name = 'corp'", Ct))!;
            Assert.DoesNotContain(password, stored, StringComparison.Ordinal);
            Assert.NotEmpty(stored);
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(server.Root, "cache", "server", "keys"), "key-*.xml"));
        var audit = await admin.GetStringAsync("/api/v1/audit", Ct);
        Assert.Contains("registry.create", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(password, audit, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Only_an_admin_changes_registries_a_scanner_may_scan_and_a_viewer_reads(string store)
    {
        await using var server = new ServerFactory(Store(store, new Dictionary<string, string> { ["Comb:RegistryMaxAttempts"] = "1" }));
        using var admin = await server.ClientAsync("admin");
        using var scanner = await server.ClientAsync("scanner");
        using var viewer = await server.ClientAsync("viewer");
        using var anonymous = await server.ClientAsync(null);
        var body = new { name = "r1", url = "http://127.0.0.1:1" };

        Assert.Equal(HttpStatusCode.Forbidden, (await scanner.PostAsJsonAsync("/api/v1/registries", body, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync("/api/v1/registries", body, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/registries", Ct)).StatusCode);
        await RegistryFleet.CreateAsync(admin, body, Ct);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync("/api/v1/registries", body, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/registries/r1", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/v1/registries/r1/scan-all", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/api/v1/registries/r1/events", JsonContent.Create(new { events = Array.Empty<object>() }), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await scanner.PatchAsJsonAsync("/api/v1/registries/r1", new { schedule = "@daily" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await scanner.DeleteAsync("/api/v1/registries/r1", Ct)).StatusCode);

        var changed = await admin.PatchAsJsonAsync("/api/v1/registries/r1", new { token = "tok-123", schedule = "@hourly", tags = new[] { "v*" } }, Ct);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var view = await changed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("token", view.GetProperty("auth").GetString());
        Assert.Equal("@hourly", view.GetProperty("schedule").GetString());
        Assert.Equal("http://127.0.0.1:1", view.GetProperty("url").GetString());
        Assert.DoesNotContain("tok-123", await viewer.GetStringAsync("/api/v1/registries/r1", Ct), StringComparison.Ordinal);

        // A scan of an unreachable registry is the registry's error, not the server's.
        var failed = await scanner.PostAsync("/api/v1/registries/r1/scan-all", null, Ct);
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        var after = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/registries/r1", Ct);
        Assert.Equal("upstream", after.GetProperty("lastError").GetProperty("kind").GetString());
        Assert.Equal(1, after.GetProperty("errors").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("/api/v1/registries/r1", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await viewer.GetAsync("/api/v1/registries/r1", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("""{"url": "http://h:5000"}""", "name")]
    [InlineData("""{"name": "Bad Name", "url": "http://h:5000"}""", "name")]
    [InlineData("""{"name": "a", "url": "ftp://h"}""", "url")]
    [InlineData("""{"name": "a", "url": "https://user:pw@h"}""", "without credentials")]
    [InlineData("""{"name": "a", "url": "https://h/v2/"}""", "root")]
    [InlineData("""{"name": "a", "url": "https://h", "username": "u"}""", "password")]
    [InlineData("""{"name": "a", "url": "https://h", "token": "t", "username": "u", "password": "p"}""", "one sign-in")]
    [InlineData("""{"name": "a", "url": "https://h", "credentialHelper": "../../bin/sh"}""", "credentialHelper")]
    [InlineData("""{"name": "a", "url": "https://h", "auth": "kerberos"}""", "unknown auth")]
    [InlineData("""{"name": "a", "url": "https://h", "schedule": "every day"}""", "cron")]
    [InlineData("""{"name": "a", "url": "https://h", "lastTags": 0}""", "lastTags")]
    [InlineData("""{"name": "a", "url": "https://h", "colour": "blue"}""", "malformed")]
    public async Task A_registry_that_cannot_be_used_is_refused_with_the_reason(string body, string reason)
    {
        await using var server = new ServerFactory();
        using var admin = await server.ClientAsync("admin");
        var response = await admin.PostAsync("/api/v1/registries", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_registry_routes()
    {
        await using var server = new ServerFactory();
        using var anonymous = await server.ClientAsync(null);
        var paths = (await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct)).GetProperty("paths");
        var expected = new Dictionary<string, string[]>
        {
            ["/api/v1/registries"] = ["get", "post"], ["/api/v1/registries/{name}"] = ["get", "patch", "delete"], ["/api/v1/registries/{name}/images"] = ["get"],
            ["/api/v1/registries/{name}/scan-all"] = ["post"], ["/api/v1/registries/{name}/scan"] = ["post"], ["/api/v1/registries/{name}/events"] = ["post"],
        };
        foreach (var (path, methods) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item), "missing path " + path);
            foreach (var method in methods)
            {
                Assert.True(item.TryGetProperty(method, out var operation), $"missing {method} {path}");
                var tag = operation.GetProperty("tags")[0];
                Assert.Equal("registries", tag.ValueKind == JsonValueKind.String ? tag.GetString() : tag.GetProperty("name").GetString());
            }
        }
    }
}
