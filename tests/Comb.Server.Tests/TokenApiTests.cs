using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Server.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

public sealed class TokenApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task No_token_is_401_and_an_unknown_token_is_401()
    {
        await using var server = new ServerFactory();
        using var anonymous = await server.ClientAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/tokens", Ct)).StatusCode);

        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "comb_not-a-real-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/tokens", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("scanner")]
    public async Task Tokens_are_for_admins_only(string role)
    {
        await using var server = new ServerFactory();
        using var client = await server.ClientAsync(role);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/v1/tokens", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/tokens", new { role = "admin" }, Ct)).StatusCode);
    }

    [Fact]
    public async Task An_admin_creates_a_token_that_works_and_revokes_it_and_both_are_audited()
    {
        await using var server = new ServerFactory();
        using var admin = await server.ClientAsync("admin");
        var created = await admin.PostAsJsonAsync("/api/v1/tokens", new { role = "viewer", name = "dashboard" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var secret = body.GetProperty("token").GetString()!;
        var id = body.GetProperty("id").GetString()!;

        using var viewer = server.CreateClient();
        viewer.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/v1/tokens", Ct)).StatusCode); // known, but not admin

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/tokens/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.GetAsync("/api/v1/tokens", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/tokens/{id}", Ct)).StatusCode);

        var audit = await server.Services.GetRequiredService<AuditLog>().ReadAsync(null, 100, Ct);
        Assert.Contains(audit, e => e.Action == "token.create" && e.Target == id && e.Actor.Contains("test admin", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.Action == "token.revoke" && e.Target == id);
    }

    [Fact]
    public async Task An_unknown_role_is_a_bad_request()
    {
        await using var server = new ServerFactory();
        using var admin = await server.ClientAsync("admin");
        var response = await admin.PostAsJsonAsync("/api/v1/tokens", new { role = "root" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Tokens_are_stored_hashed()
    {
        await using var server = new ServerFactory();
        using var admin = await server.ClientAsync("admin");
        var body = await (await admin.PostAsJsonAsync("/api/v1/tokens", new { role = "scanner" }, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        var secret = body.GetProperty("token").GetString()!;

        var database = server.Services.GetRequiredService<ServerDatabase>();
        await using var connection = await database.OpenConnectionAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT hash FROM api_tokens";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var hashes = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            hashes.Add(reader.GetString(0));
        }

        Assert.DoesNotContain(secret, hashes);
        Assert.Contains(Comb.Server.Auth.ApiTokens.Hash(secret), hashes);
    }

    [Fact]
    public async Task Health_and_the_OpenAPI_document_need_no_token()
    {
        await using var server = new ServerFactory();
        using var anonymous = await server.ClientAsync(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz", Ct)).StatusCode);
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/tokens", out _));
    }
}
