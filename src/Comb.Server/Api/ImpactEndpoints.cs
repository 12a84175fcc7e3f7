using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>/api/v1/impact: every stored image (newest scan per image) hit by a vulnerability id or carrying a package.</summary>
internal static class ImpactEndpoints
{
    public sealed record ImpactResult(string Query, string Kind, int Images, IReadOnlyList<ImpactHit> Hits);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/impact", async (string? q, ServerStore server, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(q) || q.Length > 512)
            {
                return ApiProblems.BadRequest("give ?q=CVE-ID, GHSA-ID, advisory id or PACKAGE[@VERSION] (at most 512 characters)");
            }

            var query = ImpactQuery.Parse(q.Trim());
            var hits = await query.RunAsync(await server.OpenAsync(ct), ct);
            return Results.Ok(new ImpactResult(query.Text, query.IsVulnerabilityId ? "vulnerability" : "package",
                hits.Select(h => h.Digest).Distinct(StringComparer.Ordinal).Count(), hits));
        })
        .WithTags("impact").WithName("Impact").WithSummary("Every stored image (newest scan per image) affected by a CVE/advisory id or carrying a package[@version]")
        .Produces<ImpactResult>().ProducesProblem(StatusCodes.Status400BadRequest);
    }
}
