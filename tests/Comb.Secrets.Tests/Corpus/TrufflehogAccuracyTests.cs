using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Secrets.Engine;
using Comb.Testing;

namespace Comb.Secrets.Tests.Corpus;

/// <summary>
/// Trufflehog's detector pattern tests. Trufflehog has about 900 vendor detectors, many for services
/// whose keys have no recognisable shape without the vendor's name; we do not mirror them one by one.
/// So this corpus measures breadth: a positive counts when any of our rules reports it, a negative is a
/// false positive when any rule reports it. Thresholds are floors against regressions, set from the
/// figures measured with the current rule set (79.5% recall, 19.6% false positives).
/// </summary>
public sealed class TrufflehogAccuracyTests
{
    private sealed record Detector
    {
        [JsonPropertyName("rule_id")] public required string RuleId { get; init; }
        [JsonPropertyName("tp")] public List<Sample> Tp { get; init; } = [];
        [JsonPropertyName("fp")] public List<Sample> Fp { get; init; } = [];
    }

    private sealed record Sample
    {
        [JsonPropertyName("input")] public string Input { get; init; } = "";
    }

    [Fact]
    public void Trufflehog_corpus_breadth_is_reported()
    {
        var detectors = JsonSerializer.Deserialize<List<Detector>>(File.ReadAllText(SharedData.Require("secrets", "trufflehog-cases.json"))) ?? [];
        var scanner = SecretEngineFactory.CreateScanner(null);
        var tally = new AccuracyTally();

        foreach (var d in detectors)
        {
            foreach (var s in d.Tp)
            {
                tally.Positive(d.RuleId, GitleaksAccuracyTests.Scan(scanner, "app/notes.txt", s.Input).Count > 0, s.Input);
            }

            foreach (var s in d.Fp)
            {
                var found = GitleaksAccuracyTests.Scan(scanner, "app/notes.txt", s.Input);
                tally.Negative(d.RuleId, found.Count > 0, s.Input, found.FirstOrDefault()?.RuleId);
            }
        }

        CorpusReport.Write("trufflehog", tally.Render("trufflehog, any rule"));
        Assert.True(tally.Recall >= TrufflehogFloors.Recall, $"recall {tally.Recall:P2} below {TrufflehogFloors.Recall:P0}");
        Assert.True(tally.FalsePositiveRate <= TrufflehogFloors.FalsePositiveRate, $"false-positive rate {tally.FalsePositiveRate:P2} above {TrufflehogFloors.FalsePositiveRate:P0}");
    }
}

internal static class TrufflehogFloors
{
    public const double Recall = 0.75;
    public const double FalsePositiveRate = 0.22;
}
