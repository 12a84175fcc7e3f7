using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Checks.Policy;
using Comb.Server.Data;
using Comb.Server.Policies;
using Comb.Testing.Services;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

/// <summary>Stored policies and exceptions: validation, revisions, roles, expiry, the resolved policy, and the audit trail.</summary>
public sealed class PolicyApiTests(PostgresServer postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Prod = """
        name: prod
        rules:
          - id: block-high
            action: block
            vulnerabilities: { min-severity: high }
          - id: warn-secrets
            action: warn
            secrets: {}
        """;

    private const string ProdWithoutSecrets = """
        name: prod
        rules:
          - id: block-high
            action: block
            vulnerabilities: { min-severity: high }
        """;

    [Fact]
    public async Task Policies_and_exceptions_live_through_create_change_and_expiry_on_SQLite()
    {
        var clock = new TestClock();
        await using var server = new ServerFactory(time: clock);
        await LifecycleAsync(server, clock);
    }

    [Fact]
    public async Task Policies_and_exceptions_live_through_create_change_and_expiry_on_PostgreSQL()
    {
        var clock = new TestClock();
        await using var server = new ServerFactory(new Dictionary<string, string> { ["Comb:Store"] = postgres.NewDatabaseUrl() }, clock);
        Assert.True(server.Services.GetRequiredService<ServerDatabase>().IsPostgres);
        await LifecycleAsync(server, clock);
    }

    private static async Task LifecycleAsync(ServerFactory server, TestClock clock)
    {
        using var admin = await server.ClientAsync("admin");
        using var viewer = await server.ClientAsync("viewer");

        var created = await admin.PutAsJsonAsync("/api/v1/policies/prod", new { yaml = Prod }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var updated = await admin.PutAsJsonAsync("/api/v1/policies/prod", new { yaml = Prod + "\ndescription: second\n" }, Ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(2, (await updated.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("revision").GetInt32());

        var revisions = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/policies/prod/revisions", Ct);
        Assert.Equal([2, 1], revisions.EnumerateArray().Select(r => r.GetProperty("revision").GetInt32()));
        Assert.Equal(Prod, (await viewer.GetFromJsonAsync<JsonElement>("/api/v1/policies/prod/revisions/1", Ct)).GetProperty("yaml").GetString());
        Assert.Equal("prod", Assert.Single((await viewer.GetFromJsonAsync<JsonElement>("/api/v1/policies", Ct)).EnumerateArray()).GetProperty("name").GetString());

        var catalog = server.Services.GetRequiredService<IPolicyCatalog>();
        var plain = (await catalog.ResolveAsync("prod", Ct))!;
        Assert.Equal(Prod + "\ndescription: second\n", plain.Yaml); // no exceptions: the text as saved

        // An exception until the end of the day after tomorrow, limited to one rule.
        var expires = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(2);
        var post = await admin.PostAsJsonAsync("/api/v1/exceptions",
            new { policy = "prod", finding = StoredScans.LodashCve, package = "lodash", rules = new[] { "block-high" }, expires, reason = "not reachable from the API" }, Ct);
        Assert.Equal(HttpStatusCode.Created, post.StatusCode);
        var exception = await post.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = exception.GetProperty("id").GetString()!;
        Assert.True(exception.GetProperty("active").GetBoolean());

        var resolved = (await catalog.ResolveAsync("prod", Ct))!;
        Assert.NotEqual(plain.Revision, resolved.Revision);
        Assert.StartsWith("2-", resolved.Revision, StringComparison.Ordinal);
        var loaded = PolicyLoader.Parse(resolved.Yaml);
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors));
        var merged = Assert.Single(loaded.Policy!.Exceptions);
        Assert.Equal(StoredScans.LodashCve, merged.Id!.Pattern);
        Assert.Equal(["block-high"], merged.Rules);
        Assert.Equal(expires, merged.Expires);
        Assert.Equal("not reachable from the API", merged.Reason);
        var viaApi = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/policies/prod/resolved", Ct);
        Assert.Equal(resolved.Revision, viaApi.GetProperty("revision").GetString());

        // Change it: a wider package glob.
        var put = await admin.PutAsJsonAsync($"/api/v1/exceptions/{id}",
            new { finding = StoredScans.LodashCve, package = "lodash*", rules = new[] { "block-high" }, expires, reason = "not reachable from the API" }, Ct);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("lodash*", PolicyLoader.Parse((await catalog.ResolveAsync("prod", Ct))!.Yaml).Policy!.Exceptions.Single().Package!.Pattern);

        // A new revision that drops a rule a live exception names is refused; one that keeps it is taken.
        var second = await admin.PostAsJsonAsync("/api/v1/exceptions", new { policy = "prod", finding = "aws-*", rules = new[] { "warn-secrets" }, reason = "test keys" }, Ct);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
        var dropping = await admin.PutAsJsonAsync("/api/v1/policies/prod", new { yaml = ProdWithoutSecrets }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, dropping.StatusCode);
        Assert.Contains(secondId, await dropping.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Expire the second now; the first runs out with the clock.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/exceptions/{secondId}/expire", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/v1/exceptions/{secondId}/expire", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PutAsJsonAsync($"/api/v1/exceptions/{secondId}", new { finding = "x", reason = "y" }, Ct)).StatusCode);
        Assert.Single(PolicyLoader.Parse((await catalog.ResolveAsync("prod", Ct))!.Yaml).Policy!.Exceptions);

        clock.Advance(TimeSpan.FromDays(2)); // the last day: still applies
        Assert.Single(PolicyLoader.Parse((await catalog.ResolveAsync("prod", Ct))!.Yaml).Policy!.Exceptions);
        clock.Advance(TimeSpan.FromDays(1)); // past it
        var afterExpiry = (await catalog.ResolveAsync("prod", Ct))!;
        Assert.Empty(PolicyLoader.Parse(afterExpiry.Yaml).Policy!.Exceptions);
        Assert.Equal(plain.Revision, afterExpiry.Revision);
        Assert.Empty((await viewer.GetFromJsonAsync<JsonElement>("/api/v1/exceptions?policy=prod", Ct)).EnumerateArray());
        var everything = (await viewer.GetFromJsonAsync<JsonElement>("/api/v1/exceptions?policy=prod&all=true", Ct)).EnumerateArray().ToList();
        Assert.Equal(2, everything.Count);
        Assert.All(everything, e => Assert.False(e.GetProperty("active").GetBoolean()));
        Assert.NotNull(everything.Single(e => e.GetProperty("id").GetString() == secondId).GetProperty("expiredAt").GetString());

        // Every change has its audit entry: who, what, from where.
        var audit = await server.Services.GetRequiredService<AuditLog>().ReadAsync(null, 100, Ct);
        foreach (var (action, target, count) in new[] { ("policy.create", "prod", 1), ("policy.update", "prod", 1), ("exception.create", id, 1), ("exception.create", secondId, 1),
                     ("exception.update", id, 1), ("exception.expire", secondId, 1) })
        {
            var entries = audit.Where(e => e.Action == action && e.Target == target).ToList();
            Assert.True(entries.Count == count, $"{action} {target}: {entries.Count} entries");
            Assert.All(entries, e => Assert.Contains("test admin", e.Actor, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(audit, e => e.Action == "policy.update" && e.Detail == "revision=3"); // the refused revision left no entry
    }

    [Fact]
    public async Task An_invalid_policy_is_400_with_the_loaders_line_and_column()
    {
        await using var server = new ServerFactory();
        using var admin = await server.ClientAsync("admin");
        var response = await admin.PutAsJsonAsync("/api/v1/policies/bad", new { yaml = "name: bad\nrules:\n  - id: r1\n    action: deny\n    vulnerabilities: {}\n" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetString()!;
        Assert.StartsWith("bad.yaml:4:13: action must be 'warn' or 'block'", error, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("/api/v1/policies/bad", new { yaml = "rules: [unclosed" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("/api/v1/policies/bad", new { yaml = "" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsJsonAsync("/api/v1/policies/bad%20name", new { yaml = Prod }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PutAsync("/api/v1/policies/bad", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/policies/bad", Ct)).StatusCode);
    }

    [Fact]
    public async Task Bad_exceptions_are_400_and_unknown_ones_404()
    {
        await using var server = new ServerFactory();
        using var admin = await server.ClientAsync("admin");
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync("/api/v1/policies/prod", new { yaml = Prod }, Ct)).StatusCode);

        async Task<HttpStatusCode> Post(object body) => (await admin.PostAsJsonAsync("/api/v1/exceptions", body, Ct)).StatusCode;
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { policy = "nope", finding = "CVE-2020-1", reason = "r" }));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { finding = "CVE-2020-1", reason = "r" }));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { policy = "prod", finding = "CVE-2020-1" })); // no reason
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { policy = "prod", reason = "r" })); // exempts nothing
        Assert.Equal(HttpStatusCode.BadRequest, await Post(new { policy = "prod", finding = "CVE-2020-1", reason = "r", rules = new[] { "no-such-rule" } }));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync("/api/v1/exceptions",
            new StringContent("""{"policy":"prod","finding":"x","reason":"r","expires":"someday"}""", System.Text.Encoding.UTF8, "application/json"), Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/exceptions/exc_none", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/v1/exceptions/exc_none/expire", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync("/api/v1/exceptions/exc_none", new { finding = "x", reason = "r" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/policies/prod/revisions/9", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/policies/none/revisions", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/policies/none/resolved", Ct)).StatusCode);
        Assert.Null(await server.Services.GetRequiredService<IPolicyCatalog>().ResolveAsync("none", Ct));
    }

    /// <summary>"--policy default" means the built-in policy locally; a client-mode scan (CI templates) sends the same name.</summary>
    [Fact]
    public async Task The_name_default_is_the_built_in_policy_until_a_policy_of_that_name_is_stored()
    {
        await using var server = new ServerFactory();
        var catalog = server.Services.GetRequiredService<IPolicyCatalog>();
        var builtIn = await catalog.ResolveAsync(PolicyLoader.DefaultName, Ct);
        Assert.NotNull(builtIn);
        Assert.Equal(PolicyLoader.DefaultYaml, builtIn.Yaml);
        Assert.Equal("comb-default", PolicyLoader.Parse(builtIn.Yaml).Policy!.Name);

        using var scanner = await server.ClientAsync("scanner");
        var submitted = await scanner.PostAsJsonAsync("/api/v1/scans", new { image = "registry.example:5000/team/app:1.0", policy = "default" }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await scanner.PostAsJsonAsync("/api/v1/scans", new { image = "registry.example:5000/team/app:1.0", policy = "none" }, Ct)).StatusCode);

        using var admin = await server.ClientAsync("admin");
        var stored = Prod.Replace("name: prod", "name: default", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, (await admin.PutAsJsonAsync("/api/v1/policies/default", new { yaml = stored }, Ct)).StatusCode);
        Assert.Equal("default", PolicyLoader.Parse((await catalog.ResolveAsync(PolicyLoader.DefaultName, Ct))!.Yaml).Policy!.Name);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("scanner")]
    public async Task Only_admins_write_policies_and_exceptions_but_every_role_reads(string role)
    {
        await using var server = new ServerFactory();
        using var admin = await server.ClientAsync("admin");
        await admin.PutAsJsonAsync("/api/v1/policies/prod", new { yaml = Prod }, Ct);
        var id = (await (await admin.PostAsJsonAsync("/api/v1/exceptions", new { policy = "prod", finding = "CVE-2020-1", reason = "r" }, Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString();

        using var client = await server.ClientAsync(role);
        using var anonymous = await server.ClientAsync(null);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync("/api/v1/policies/prod", new { yaml = Prod }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/exceptions", new { policy = "prod", finding = "x", reason = "r" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync($"/api/v1/exceptions/{id}", new { finding = "x", reason = "r" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/v1/exceptions/{id}/expire", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PutAsJsonAsync("/api/v1/policies/prod", new { yaml = Prod }, Ct)).StatusCode);
        foreach (var url in new[] { "/api/v1/policies", "/api/v1/policies/prod", "/api/v1/policies/prod/revisions", "/api/v1/policies/prod/revisions/1",
                     "/api/v1/policies/prod/resolved", "/api/v1/exceptions", $"/api/v1/exceptions/{id}" })
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(url, Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url, Ct)).StatusCode);
        }
    }
}
