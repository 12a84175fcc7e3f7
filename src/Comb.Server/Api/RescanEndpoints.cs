using Comb.Contracts;
using Comb.Engine;
using Comb.Server.Auth;
using Comb.Server.Data;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>
/// /api/v1/rescan: re-match every stored image's newest inventory against the current advisory database (no pulls, no
/// layer reads; `comb rescan --all`), recording each as a new scan, and answer what changed per image. Synchronous:
/// matching a stored inventory takes milliseconds per image, and one run at a time keeps it bounded.
/// </summary>
internal static class RescanEndpoints
{
    public sealed record RescanResponse(int Images, int ImagesChanged, IReadOnlyList<RescanResult> Results);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/rescan", async (ServerStore server, ServerLocations locations, ImageScanner scanner, Comb.VulnDb.Matching.StoredMatchSeeder seeder, RescanGate gate, AuditLog audit, HttpContext context, CancellationToken ct) =>
        {
            if (!gate.TryEnter())
            {
                return ApiProblems.Conflict("a rescan is already running; try again when it has finished");
            }

            try
            {
                var store = await server.OpenAsync(ct);
                var options = new ScanOptions
                {
                    CacheDir = locations.CacheDir,
                    StorePath = locations.Store,

                    // Only what works from a stored inventory: matching; secrets and malware are carried over.
                    Scanners = new HashSet<string>([Scanners.Vuln, Scanners.Secret, Scanners.Malware], StringComparer.Ordinal),
                };
                await audit.WriteAsync(context, "rescan.start", null, null, ct);
                // As `comb rescan`: findings the advisory changes since each stored scan cannot have altered are carried over.
                var results = await new Rescanner(store, scanner.RunStagesAsync, (stored, o) => seeder.Seed(stored, o), Comb.Engine.RescanScopes.Of(seeder)).RescanAsync(null, options, ct);
                var changed = results.Count(r => r.NewlyVulnerable.Count > 0 || r.NoLongerVulnerable.Count > 0);
                return Results.Ok(new RescanResponse(results.Count, changed, results));
            }
            catch (CombInputException ex)
            {
                // No advisory database yet, or a stored report it cannot read: the operator's to fix, said plainly.
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Rescan not possible");
            }
            finally
            {
                gate.Exit();
            }
        })
        .RequireAuthorization(ServerRoles.CanScan)
        .WithTags("rescan").WithName("RescanAll").WithSummary("Re-match every stored image against the current advisory database and report what changed")
        .Produces<RescanResponse>().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }
}
