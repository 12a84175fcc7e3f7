using Comb.Contracts;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>/api/v1/diff: what changed between two stored scans (as `comb diff`), or between an image's last two.</summary>
internal static class DiffEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/diff", async (string? from, string? to, string? image, ServerStore server, CancellationToken ct) =>
        {
            var store = await server.OpenAsync(ct);
            ScanReport? older;
            ScanReport? newer;
            if (!string.IsNullOrWhiteSpace(image) && from is null && to is null)
            {
                var lastTwo = await store.ListAsync(new HistoryQuery { Image = image, Limit = 2 }, ct);
                if (lastTwo.Count < 2)
                {
                    return ApiProblems.NotFound(lastTwo.Count == 0 ? $"no stored scan of '{image}'" : $"only one stored scan of '{image}': nothing to compare");
                }

                older = await store.GetAsync(lastTwo[1].Id, ct);
                newer = await store.GetAsync(lastTwo[0].Id, ct);
            }
            else if (!string.IsNullOrWhiteSpace(from) && !string.IsNullOrWhiteSpace(to) && image is null)
            {
                older = await LoadAsync(store, from, ct);
                newer = await LoadAsync(store, to, ct);
                if (older is null || newer is null)
                {
                    return ApiProblems.NotFound($"no stored scan '{(older is null ? from : to)}'");
                }
            }
            else
            {
                return ApiProblems.BadRequest("give either ?from=A&to=B (scan ids, or images for their latest scans) or ?image=REF (its last two scans)");
            }

            return older is null || newer is null ? ApiProblems.NotFound("the stored scans were removed meanwhile") : Results.Ok(ScanDiff.Compare(older, newer));
        })
        .WithTags("diff").WithName("DiffScans").WithSummary("Packages, vulnerabilities, secrets, malware and verdict that changed between two scans")
        .Produces<ScanDiff>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>A scan by id, else the latest scan of an image (the CLI's `comb diff A B` rule).</summary>
    private static async Task<ScanReport?> LoadAsync(ScanStore store, string key, CancellationToken ct) =>
        await store.GetAsync(key, ct) ?? await store.LatestAsync(key, ct);
}
