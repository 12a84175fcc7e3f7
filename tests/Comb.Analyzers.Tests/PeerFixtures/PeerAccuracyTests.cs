using Comb.Testing;

namespace Comb.Analyzers.Tests.PeerFixtures;

/// <summary>
/// Exact-match ratio: the share of peer cases whose package set equals the peer's asserted answer, with
/// documented deviations counted as misses. Two populations: the shared fixture set, and the cases in
/// PeerFixtures/Added (recreated from the peers' own current test data, written after the shared set was
/// tuned on, so they measure the unseen case).
/// </summary>
public sealed class PeerAccuracyTests
{
    /// <summary>The target the project set for unseen peer cases.</summary>
    private const double Target = 0.95;

    [Fact]
    public async Task Exact_match_ratio_on_the_shared_visible_cases()
    {
        var index = SharedData.Require("peer-fixtures", "index.json");
        var ratio = await MeasureAsync("shared peer fixtures (visible)", PeerCase.Load(Path.GetDirectoryName(index)!));
        Assert.True(ratio >= Target, $"exact-match ratio {ratio:P1} is below {Target:P0}");
    }

    [Fact]
    public async Task Exact_match_ratio_on_the_added_peer_cases()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "PeerFixtures", "Added");
        var ratio = await MeasureAsync("added peer fixtures", PeerCase.Load(dir));
        Assert.True(ratio >= Target, $"exact-match ratio {ratio:P1} is below {Target:P0}");
    }

    private static async Task<double> MeasureAsync(string label, IReadOnlyList<PeerCase> cases)
    {
        var analyzers = InventoryAnalyzerProvider.All();
        var postAnalyzers = InventoryAnalyzerProvider.AllPost();
        var output = TestContext.Current.TestOutputHelper;
        var visible = cases.Where(c => c.Expected is not null).ToList();
        var exact = 0;
        foreach (var peerCase in visible)
        {
            var run = await PeerRun.RunAsync(peerCase, analyzers, postAnalyzers, TestContext.Current.CancellationToken);
            var outcome = PeerComparison.Compare(peerCase, run.Packages);
            if (outcome.IsMatch)
            {
                exact++;
            }
            else
            {
                output?.WriteLine($"  miss {peerCase.Key}: {outcome}");
            }
        }

        Assert.True(visible.Count > 0, $"no {label} cases found");
        var ratio = (double)exact / visible.Count;
        var summary = $"{label}: {exact}/{visible.Count} cases match the peer exactly ({ratio:P1})";
        output?.WriteLine(summary);
        Console.WriteLine(summary);
        return ratio;
    }
}
