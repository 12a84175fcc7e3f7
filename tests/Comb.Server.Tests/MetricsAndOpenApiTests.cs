using Comb.Server.Scans;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

public sealed class MetricsAndOpenApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A parsed exposition: samples by "name{labels}", and each family's TYPE, checked line by line.</summary>
    internal sealed record Exposition(Dictionary<string, double> Samples, Dictionary<string, string> Types);

    internal static Exposition Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helped = new HashSet<string>(StringComparer.Ordinal);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                Assert.True(helped.Add(line.Split(' ')[2]), "HELP twice: " + line);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                Assert.True(types.TryAdd(parts[2], parts[3]), "TYPE twice: " + line);
                continue;
            }

            var match = System.Text.RegularExpressions.Regex.Match(line, "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\"(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*\\})? (\\S+)$");
            Assert.True(match.Success, "not a sample line: " + line);
            var name = match.Groups[1].Value;
            var family = types.ContainsKey(name) ? name : System.Text.RegularExpressions.Regex.Replace(name, "_(bucket|sum|count)$", "");
            Assert.True(types.ContainsKey(family), "sample before its TYPE: " + line);
            var value = match.Groups[3].Value switch { "+Inf" => double.PositiveInfinity, "-Inf" => double.NegativeInfinity, "NaN" => double.NaN, var v => double.Parse(v, CultureInfo.InvariantCulture) };
            Assert.True(samples.TryAdd(name + match.Groups[2].Value, value), "sample twice: " + line);
        }

        // Every histogram series: cumulative buckets ending in +Inf, which equals _count.
        foreach (var family in types.Where(t => t.Value == "histogram").Select(t => t.Key))
        {
            foreach (var series in samples.Keys.Where(k => k.StartsWith(family + "_count", StringComparison.Ordinal)))
            {
                var labels = series[(family + "_count").Length..];
                var inner = labels.Length == 0 ? "" : labels[1..^1] + ",";
                var buckets = samples.Where(s => s.Key.StartsWith($"{family}_bucket{{{inner}le=", StringComparison.Ordinal)).Select(s => s.Value).ToList();
                Assert.True(buckets.Count > 1, "no buckets for " + series);
                Assert.Equal(buckets.Order(), buckets);
                Assert.Equal(samples[series], samples[$"{family}_bucket{{{inner}le=\"+Inf\"}}"]);
                Assert.True(samples.ContainsKey(family + "_sum" + labels), "no _sum for " + series);
            }
        }

        return new Exposition(samples, types);
    }

    [Fact]
    public async Task Metrics_need_no_token_and_are_valid_exposition_text_with_what_the_server_measured()
    {
        var clock = new TestClock();
        await using var server = new ServerFactory(time: clock);
        using var anonymous = await server.ClientAsync(null);
        var empty = Parse(await anonymous.GetStringAsync("/metrics", Ct));
        Assert.Equal(0, empty.Samples["comb_queue_depth"]);
        Assert.Equal(0, empty.Samples["comb_advisory_db_present"]);
        Assert.True(double.IsNaN(empty.Samples["comb_layer_cache_hit_ratio"]));

        await StoredScans.ImportDbAsync(server, withLodash: true, clock, Ct);
        clock.Advance(TimeSpan.FromHours(3));
        await StoredScans.ScanAsync(server, StoredScans.BuildImage(server, "shop", "4.17.15"), Ct);

        // The real scan is measured: its two layers analysed (a fresh cache), one scan that succeeded.
        var before = Parse(await anonymous.GetStringAsync("/metrics", Ct)).Samples;
        Assert.Equal(1, before["comb_scan_duration_seconds_count{status=\"succeeded\"}"]);
        Assert.Equal(2, before["comb_layer_cache_misses_total"]);
        Assert.Equal(0, before["comb_layer_cache_hit_ratio"]);

        // Known durations on top, to check buckets, sums and the ratio exactly.
        var metrics = server.Services.GetRequiredService<ServerMetrics>();
        metrics.RecordScan(TimeSpan.FromSeconds(3), "succeeded");
        metrics.RecordScan(TimeSpan.FromSeconds(45), "succeeded");
        metrics.RecordScan(TimeSpan.FromSeconds(1), "failed");
        metrics.RecordLayer(TimeSpan.FromMilliseconds(20), cacheHit: true);
        metrics.RecordLayer(TimeSpan.FromMilliseconds(30), cacheHit: true);
        metrics.RecordLayer(TimeSpan.FromMilliseconds(30), cacheHit: true);
        metrics.RecordLayer(TimeSpan.FromSeconds(4), cacheHit: false);
        var queue = await server.Services.GetRequiredService<ScanQueue>().GetAsync(Ct);
        await queue.EnqueueAsync(new JobRequest("test", "{}"), Ct);
        await queue.EnqueueAsync(new JobRequest("test", "{}"), Ct);

        var response = await anonymous.GetAsync("/metrics", Ct);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var m = Parse(await response.Content.ReadAsStringAsync(Ct));
        double Delta(string key) => m.Samples[key] - before.GetValueOrDefault(key);
        Assert.Equal(2, m.Samples["comb_queue_depth"]);
        Assert.Equal(2, m.Samples["comb_scan_jobs{state=\"queued\"}"]);
        Assert.Equal(0, m.Samples["comb_scan_jobs{state=\"running\"}"]);
        Assert.Equal(2, Delta("comb_scan_duration_seconds_count{status=\"succeeded\"}"));
        Assert.Equal(48, Delta("comb_scan_duration_seconds_sum{status=\"succeeded\"}"), 6);
        Assert.Equal(1, Delta("comb_scan_duration_seconds_bucket{status=\"succeeded\",le=\"5\"}"));
        Assert.Equal(1, Delta("comb_scan_duration_seconds_count{status=\"failed\"}"));
        Assert.Equal(3, Delta("comb_layer_duration_seconds_count{cache=\"hit\"}"));
        Assert.Equal(1, Delta("comb_layer_duration_seconds_bucket{cache=\"miss\",le=\"5\"}"));
        Assert.Equal(0, Delta("comb_layer_duration_seconds_bucket{cache=\"miss\",le=\"2.5\"}"));
        Assert.Equal(0.5, m.Samples["comb_layer_cache_hit_ratio"], 6);
        Assert.Equal("counter", m.Types["comb_layer_cache_hits_total"]);
        Assert.Equal(1, m.Samples["comb_advisory_db_present"]);
        Assert.Equal(3 * 3600, m.Samples["comb_advisory_db_age_seconds"], 0);
        Assert.Equal(1, m.Samples["comb_stored_scans"]);
        Assert.Equal(1, m.Samples["comb_stored_images"]);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_every_route_with_its_responses()
    {
        await using var server = new ServerFactory();
        using var anonymous = await server.ClientAsync(null);
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var paths = document.GetProperty("paths");
        var expected = new Dictionary<string, string[]>
        {
            ["/api/v1/images"] = ["get"], ["/api/v1/images/digests"] = ["get"], ["/api/v1/history"] = ["get"], ["/api/v1/history/{scanId}"] = ["get"],
            ["/api/v1/history/{scanId}/report"] = ["get"], ["/api/v1/trace"] = ["get"], ["/api/v1/diff"] = ["get"], ["/api/v1/impact"] = ["get"],
            ["/api/v1/rescan"] = ["post"], ["/api/v1/audit"] = ["get"], ["/api/v1/policies"] = ["get"], ["/api/v1/policies/{name}"] = ["get", "put"],
            ["/api/v1/policies/{name}/revisions"] = ["get"], ["/api/v1/policies/{name}/revisions/{revision}"] = ["get"], ["/api/v1/policies/{name}/resolved"] = ["get"],
            ["/api/v1/exceptions"] = ["get", "post"], ["/api/v1/exceptions/{id}"] = ["get", "put"], ["/api/v1/exceptions/{id}/expire"] = ["post"], ["/metrics"] = ["get"],
        };
        var operationIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, methods) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item), "missing path " + path);
            foreach (var method in methods)
            {
                Assert.True(item.TryGetProperty(method, out var operation), $"missing {method} {path}");
                Assert.True(operationIds.Add(operation.GetProperty("operationId").GetString()!), $"duplicate operation id at {method} {path}");
                Assert.True(operation.GetProperty("responses").TryGetProperty("200", out _) || operation.GetProperty("responses").TryGetProperty("201", out _), $"{method} {path}: no success response");
                Assert.True(operation.GetProperty("tags").GetArrayLength() > 0, $"{method} {path}: no tag");
            }
        }

        var put = paths.GetProperty("/api/v1/policies/{name}").GetProperty("put");
        Assert.True(put.GetProperty("responses").TryGetProperty("400", out _));
        Assert.True(document.GetProperty("components").GetProperty("schemas").TryGetProperty("ExceptionView", out var view));
        Assert.True(view.GetProperty("properties").TryGetProperty("expires", out _)); // camelCase names
    }
}
