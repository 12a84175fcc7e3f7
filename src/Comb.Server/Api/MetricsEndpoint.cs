using Comb.Jobs;
using Comb.Server.History;
using Comb.Server.Metrics;
using Comb.Server.Scans;
using Comb.VulnDb.Database;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Api;

/// <summary>
/// /metrics in Prometheus text format. Like most exporters it needs no token, so a scraper needs no secret: it shows
/// counts and durations only, never an image name, finding or token.
/// </summary>
internal static class MetricsEndpoint
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (ScanQueue queue, ServerStore store, ServerMetrics metrics, ServerLocations locations, TimeProvider time, CancellationToken ct) =>
        {
            var text = new PrometheusText();
            var states = await (await queue.GetAsync(ct)).CountByStateAsync(ct);
            text.Family("comb_queue_depth", "gauge", "Scan jobs waiting to be claimed.").Sample("comb_queue_depth", states[JobState.Queued]);
            text.Family("comb_scan_jobs", "gauge", "Scan jobs in the queue by state.");
            foreach (var (state, count) in states.OrderBy(p => p.Key))
            {
                text.Sample("comb_scan_jobs", count, ("state", state.ToString().ToLowerInvariant()));
            }

            text.Family("comb_scan_duration_seconds", "histogram", "Duration of scans run by this process, by outcome.");
            foreach (var (status, histogram) in metrics.Scans)
            {
                text.Histogram("comb_scan_duration_seconds", histogram, ("status", status));
            }

            text.Family("comb_layer_duration_seconds", "histogram", "Duration of one layer's analysis, by whether the layer cache had it.")
                .Histogram("comb_layer_duration_seconds", metrics.LayerHits, ("cache", "hit"))
                .Histogram("comb_layer_duration_seconds", metrics.LayerMisses, ("cache", "miss"));
            var lookups = metrics.CacheHits + metrics.CacheMisses;
            text.Family("comb_layer_cache_hits_total", "counter", "Layers found in the layer cache.").Sample("comb_layer_cache_hits_total", metrics.CacheHits)
                .Family("comb_layer_cache_misses_total", "counter", "Layers analysed because the cache did not have them.").Sample("comb_layer_cache_misses_total", metrics.CacheMisses)
                .Family("comb_layer_cache_hit_ratio", "gauge", "Share of layers found in the cache since start (NaN before the first layer).")
                .Sample("comb_layer_cache_hit_ratio", lookups == 0 ? double.NaN : (double)metrics.CacheHits / lookups);

            var built = AdvisoryDbMetadata.TryRead(AdvisoryDbLocation.Resolve(null, locations.CacheDir))?.BuiltAt;
            text.Family("comb_advisory_db_present", "gauge", "1 when the advisory database can be read, else 0.").Sample("comb_advisory_db_present", built is null ? 0 : 1);
            if (built is { } at)
            {
                text.Family("comb_advisory_db_age_seconds", "gauge", "Seconds since the advisory database was built.")
                    .Sample("comb_advisory_db_age_seconds", Math.Max(0, (time.GetUtcNow() - at).TotalSeconds))
                    .Family("comb_advisory_db_built_timestamp_seconds", "gauge", "When the advisory database was built (Unix time).")
                    .Sample("comb_advisory_db_built_timestamp_seconds", at.ToUnixTimeSeconds());
            }

            var counts = await (await store.OpenAsync(ct)).CountAsync(ct);
            text.Family("comb_stored_scans", "gauge", "Scans recorded in the store.").Sample("comb_stored_scans", counts.Scans)
                .Family("comb_stored_images", "gauge", "Distinct images (digests) recorded in the store.").Sample("comb_stored_images", counts.Images);
            return Results.Text(text.ToString(), PrometheusText.ContentType);
        })
        .AllowAnonymous()
        .WithTags("metrics").WithName("Metrics").WithSummary("Prometheus metrics: queue, scan and layer durations, cache hit ratio, database age, store size")
        .Produces(StatusCodes.Status200OK, contentType: "text/plain");
    }
}
