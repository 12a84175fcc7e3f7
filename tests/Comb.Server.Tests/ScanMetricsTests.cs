using System.Net.Http.Json;

namespace Comb.Server.Tests;

/// <summary>/metrics after real scans through the API: the layer and scan figures come from the engine's progress.</summary>
public sealed class ScanMetricsTests(ScanKit kit) : IClassFixture<ScanKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_scans_of_one_image_show_its_layers_analysed_once_then_read_from_the_cache()
    {
        var image = await kit.PushAsync("metrics/app", 31, extraLayers: 1, cancellationToken: Ct);
        await using var server = new ServerFactory(kit.Settings(workers: 1));
        using var scanner = await server.ClientAsync("scanner");
        using var anonymous = await server.ClientAsync(null);

        // Distinct exit codes: two jobs, one after the other (the second is not merged into the first).
        foreach (var exitCode in new[] { 0, 1 })
        {
            var id = await ScanApiTests.SubmitAsync(scanner, new { image, insecureRegistry = true, exitCode });
            Assert.Equal("succeeded", (await ScanKit.WaitAsync(scanner, id, Ct)).GetProperty("status").GetString());
        }

        var m = MetricsAndOpenApiTests.Parse(await anonymous.GetStringAsync("/metrics", Ct)).Samples;

        // Three layers: analysed by the first scan, read from this kit's fresh cache by the second.
        Assert.Equal(3, m["comb_layer_cache_misses_total"]);
        Assert.Equal(3, m["comb_layer_cache_hits_total"]);
        Assert.Equal(0.5, m["comb_layer_cache_hit_ratio"], 6);
        Assert.Equal(3, m["comb_layer_duration_seconds_count{cache=\"miss\"}"]);
        Assert.Equal(3, m["comb_layer_duration_seconds_count{cache=\"hit\"}"]);
        Assert.True(m["comb_layer_duration_seconds_sum{cache=\"miss\"}"] > 0, "analysed layers took no time");
        Assert.Equal(2, m["comb_scan_duration_seconds_count{status=\"succeeded\"}"]);
        Assert.True(m["comb_scan_duration_seconds_sum{status=\"succeeded\"}"] >= m["comb_layer_duration_seconds_sum{cache=\"miss\"}"] / 4,
            "a scan took less time than its layers could have in parallel");
        Assert.DoesNotContain(m.Keys, k => k.StartsWith("comb_scan_duration_seconds_count{status=\"failed\"", StringComparison.Ordinal));
    }
}
