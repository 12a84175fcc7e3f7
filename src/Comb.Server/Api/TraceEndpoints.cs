using Comb.Contracts;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>
/// /api/v1/trace: one image's life in the history (as `comb trace`), and, for a package or finding, which layer and
/// path of the newest scan brought it in.
/// </summary>
internal static class TraceEndpoints
{
    /// <summary>Where a package or finding came from: its layer (index, diff id, the build step that made it) and path.</summary>
    public sealed record Origin(string Kind, string Id, string? Package, string? Version, string? Path, int? LayerIndex, string? Layer, string? CreatedBy);

    public sealed record TraceResult(string Digest, DateTimeOffset? FirstSeen, IReadOnlyList<ScanSummary> Scans, IReadOnlyList<TraceEvent> Events,
        string? Find, string? FoundInScan, IReadOnlyList<Origin> Origins);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/trace", async (string? image, string? find, ServerStore server, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(image))
            {
                return ApiProblems.BadRequest("give the image digest: ?image=sha256:...");
            }

            var store = await server.OpenAsync(ct);
            var trace = await ImageTrace.BuildAsync(store, image, ct);
            if (trace.Scans.Count == 0)
            {
                return ApiProblems.NotFound($"no stored scan of {image}");
            }

            IReadOnlyList<Origin> origins = [];
            string? newestId = null;
            if (!string.IsNullOrWhiteSpace(find))
            {
                newestId = trace.Scans[^1].Id;
                var newest = await store.GetAsync(newestId, ct);
                origins = newest is null ? [] : OriginsOf(newest, find);
            }

            return Results.Ok(new TraceResult(trace.Digest, trace.FirstSeen, trace.Scans, trace.Events, find, newestId, origins));
        })
        .WithTags("trace").WithName("TraceImage")
        .WithSummary("An image's scans, verdict changes and findings appearing and disappearing; with ?find=ID|PACKAGE[@VERSION], the layer and path that brought it in")
        .Produces<TraceResult>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>Packages, vulnerabilities, secrets and malware of a report that the query names, with their layer.</summary>
    internal static List<Origin> OriginsOf(ScanReport report, string find)
    {
        var query = ImpactQuery.Parse(find);
        // The same layer can appear twice in one image; the first (lowest) one brought the content in.
        var layers = report.Image.Layers.GroupBy(l => l.DiffId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Origin Make(string kind, string id, string? package, string? version, string? path, string? diffId)
        {
            var layer = diffId is not null && layers.TryGetValue(diffId, out var l) ? l : null;
            return new Origin(kind, id, package, version, path, layer?.Index, diffId, layer?.CreatedBy);
        }

        var origins = new List<Origin>();
        if (query.IsVulnerabilityId)
        {
            origins.AddRange(report.Vulnerabilities
                .Where(v => string.Equals(v.Id, find, StringComparison.OrdinalIgnoreCase) || v.Aliases.Contains(find, StringComparer.OrdinalIgnoreCase))
                .Select(v => Make("vulnerability", v.Id, v.PackageName, v.InstalledVersion, v.Path, v.LayerDiffId)));
        }
        else
        {
            origins.AddRange(report.Packages
                .Where(p => p.Name == query.PackageName && (query.PackageVersion is null || p.Version == query.PackageVersion))
                .Select(p => Make("package", p.Purl ?? $"{p.Type}:{p.Name}@{p.Version}", p.Name, p.Version, p.Path, p.LayerDiffId)));
            origins.AddRange(report.Secrets.Where(s => string.Equals(s.RuleId, find, StringComparison.OrdinalIgnoreCase))
                .Select(s => Make("secret", s.RuleId, null, null, s.Path, s.LayerDiffId)));
        }

        return [.. origins.OrderBy(o => o.LayerIndex ?? int.MaxValue).ThenBy(o => o.Path, StringComparer.Ordinal).ThenBy(o => o.Id, StringComparer.Ordinal)];
    }
}
