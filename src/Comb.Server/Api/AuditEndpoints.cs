using System.Globalization;
using Comb.Server.Auth;
using Comb.Server.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>/api/v1/audit: the audit log, newest first (admin only).</summary>
internal static class AuditEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (string? since, int? limit, AuditLog audit, CancellationToken ct) =>
        {
            if (!ApiProblems.TryLimit(limit, 100, 10_000, out var take, out var problem))
            {
                return problem!;
            }

            DateTimeOffset? from = null;
            if (since is not null)
            {
                if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    return ApiProblems.BadRequest($"since must be an ISO 8601 time such as 2026-12-01T00:00:00Z (got '{since}')");
                }

                from = parsed;
            }

            return Results.Ok(await audit.ReadAsync(from, take, ct));
        })
        .RequireAuthorization(ServerRoles.CanAdminister)
        .WithTags("audit").WithName("ReadAuditLog").WithSummary("Audit entries (who, when, what, from which address), newest first")
        .Produces<IReadOnlyList<AuditEntry>>().ProducesProblem(StatusCodes.Status400BadRequest);
    }
}
