using Comb.Server.Auth;
using Comb.Server.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>/api/v1/tokens: list, create and revoke API tokens (admin only; every change audited).</summary>
internal static class TokenEndpoints
{
    public sealed record CreateTokenRequest(string Role, string? Name);

    public sealed record CreatedToken(string Id, string Name, string Role, string Token);

    public static void Map(RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").RequireAuthorization(ServerRoles.CanAdminister).WithTags("tokens");
        tokens.MapGet("/", async (ApiTokens store, CancellationToken ct) => Results.Ok(await store.ListAsync(ct)));
        tokens.MapPost("/", async (CreateTokenRequest request, ApiTokens store, AuditLog audit, HttpContext context, CancellationToken ct) =>
        {
            if (!ServerRoles.IsKnown(request.Role ?? ""))
            {
                return Results.Problem($"unknown role '{request.Role}' (expected {string.Join(", ", ServerRoles.All)})", statusCode: StatusCodes.Status400BadRequest);
            }

            var issued = await store.CreateAsync(request.Role!, request.Name, AuditLog.ActorOf(context.User), ct);
            await audit.WriteAsync(context, "token.create", issued.Token.Id, $"role={issued.Token.Role} name={issued.Token.Name}", ct);
            return Results.Created($"/api/v1/tokens/{issued.Token.Id}", new CreatedToken(issued.Token.Id, issued.Token.Name, issued.Token.Role, issued.Secret));
        });
        tokens.MapDelete("/{id}", async (string id, ApiTokens store, AuditLog audit, HttpContext context, CancellationToken ct) =>
        {
            if (!await store.RevokeAsync(id, ct))
            {
                return Results.NotFound();
            }

            await audit.WriteAsync(context, "token.revoke", id, null, ct);
            return Results.NoContent();
        });
    }
}
