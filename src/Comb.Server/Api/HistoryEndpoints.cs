using Comb.Contracts;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>/api/v1/history: stored scans (as `comb history`), one scan's summary, and its whole stored report.</summary>
internal static class HistoryEndpoints
{
    private const int MaxLimit = 1000;

    public static void Map(RouteGroupBuilder api)
    {
        var history = api.MapGroup("/history").WithTags("history");
        history.MapGet("/", async (string? image, int? limit, ServerStore server, CancellationToken ct) =>
        {
            if (!ApiProblems.TryLimit(limit, 100, MaxLimit, out var take, out var problem))
            {
                return problem!;
            }

            var store = await server.OpenAsync(ct);
            return Results.Ok(await store.ListAsync(new HistoryQuery { Image = string.IsNullOrWhiteSpace(image) ? null : image, Limit = take }, ct));
        })
        .WithName("ListScans").WithSummary("Stored scans, newest first (optionally of one image reference, repository or digest)")
        .Produces<IReadOnlyList<ScanSummary>>().ProducesProblem(StatusCodes.Status400BadRequest);

        history.MapGet("/{scanId}", async (string scanId, ServerStore server, CancellationToken ct) =>
            await SummaryAsync(await server.OpenAsync(ct), scanId, ct) is { } summary ? Results.Ok(summary) : ApiProblems.NotFound($"no stored scan '{scanId}'"))
        .WithName("GetScanSummary").WithSummary("One stored scan's summary: image, counts, verdict")
        .Produces<ScanSummary>().ProducesProblem(StatusCodes.Status404NotFound);

        history.MapGet("/{scanId}/report", async (string scanId, ServerStore server, IEnumerable<IReportWriter> writers, CancellationToken ct) =>
        {
            var store = await server.OpenAsync(ct);
            var report = await store.GetAsync(scanId, ct);
            if (report is null)
            {
                return ApiProblems.NotFound($"no stored scan '{scanId}'");
            }

            // The JSON report exactly as `comb history show ID --format json` prints it.
            var writer = writers.First(w => w.Format == "json");
            using var buffer = new MemoryStream();
            await writer.WriteAsync(report, buffer, ct);
            return Results.Bytes(buffer.ToArray(), "application/json");
        })
        .WithName("GetStoredReport").WithSummary("The whole stored report of a scan, in Comb's JSON report format")
        .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>The summary of one scan id (the history query also matches ids; other matches are left out).</summary>
    internal static async Task<ScanSummary?> SummaryAsync(ScanStore store, string scanId, CancellationToken ct) =>
        (await store.ListAsync(new HistoryQuery { Image = scanId, Limit = MaxLimit }, ct)).FirstOrDefault(s => s.Id == scanId);
}
