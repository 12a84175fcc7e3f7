using System.Text.Json;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>/api/v1/runtime/containers: the running containers `comb runtime watch` recorded, with their drift, latest state first by source.</summary>
internal static class RuntimeEndpoints
{
    /// <summary>
    /// One container as last observed: where, which image (and the stored scan of its digest), whether it drifted and
    /// since when, and its whole runtime report (drift files with their paths, privileges).
    /// </summary>
    public sealed record RuntimeContainer(
        string Source, string Runtime, string? Namespace, string Id, string? Name, string? Image, string? ImageDigest, string? ImageScanId,
        bool Running, bool Drifted, int DriftFiles, DateTimeOffset? DriftSince, string? Severity, bool MutableImageReference,
        DateTimeOffset FirstSeen, DateTimeOffset LastSeen, JsonElement Report);

    public static void Map(RouteGroupBuilder api)
    {
        var runtime = api.MapGroup("/runtime").WithTags("runtime");
        runtime.MapGet("/containers", async (bool? all, bool? drifted, ServerStore server, CancellationToken ct) =>
        {
            var store = await server.OpenAsync(ct);
            var records = await store.RuntimeContainersAsync(all ?? false, ct);
            var result = records.Where(r => drifted is null || r.Drifted == drifted).Select(ToEntry).ToList();
            return Results.Ok(result);
        })
        .WithName("ListRuntimeContainers")
        .WithSummary("Containers the runtime watch saw, with drift and privileges (running only unless ?all=true; ?drifted=true for drifted ones)")
        .Produces<IReadOnlyList<RuntimeContainer>>();
    }

    private static RuntimeContainer ToEntry(RuntimeContainerRecord r)
    {
        using var report = JsonDocument.Parse(r.ReportJson);
        return new RuntimeContainer(r.Source, r.Runtime, r.Namespace, r.ContainerId, r.Name, r.Image, r.ImageDigest, r.ImageScanId, r.Running, r.Drifted,
            r.DriftFiles, r.DriftSince, r.Severity, r.MutableImageReference, r.FirstSeen, r.LastSeen, report.RootElement.Clone());
    }
}
