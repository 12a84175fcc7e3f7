using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Secrets.Engine;
using Comb.Testing;

namespace Comb.Secrets.Tests.Corpus;

/// <summary>
/// Trivy's scanner test inputs, run through our built-in rules. Only the cases that exercise trivy's
/// built-in rule set (config skip-test.yaml) are meaningful for us; the others test trivy's own config
/// format. An expected finding counts as found when we report anything on its line; a clean input
/// counts as a false positive when we report anything at all.
/// </summary>
public sealed class TrivyAccuracyTests
{
    private const string BuiltinConfig = "testdata/skip-test.yaml";

    private sealed record Case
    {
        [JsonPropertyName("name")] public required string Name { get; init; }
        [JsonPropertyName("config")] public required string Config { get; init; }
        [JsonPropertyName("input_file")] public required string InputFile { get; init; }
        [JsonPropertyName("expected_findings")] public List<Expected> ExpectedFindings { get; init; } = [];
    }

    private sealed record Expected
    {
        [JsonPropertyName("rule_id")] public required string RuleId { get; init; }
        [JsonPropertyName("start_line")] public int StartLine { get; init; }
    }

    [Fact]
    public void Trivy_builtin_cases_are_found_on_the_expected_lines()
    {
        var cases = JsonSerializer.Deserialize<List<Case>>(File.ReadAllText(SharedData.Require("secrets", "trivy", "trivy-cases.json"))) ?? [];
        using var zip = ZipFile.OpenRead(SharedData.Require("secrets", "trivy", "trivy-secret-testdata.zip"));
        var scanner = SecretEngineFactory.CreateScanner(null);
        var tally = new AccuracyTally();

        foreach (var c in cases.Where(c => c.Config == BuiltinConfig))
        {
            var entry = zip.GetEntry(c.InputFile);
            if (entry is null)
            {
                continue; // held-back input
            }

            using var reader = new StreamReader(entry.Open());
            var text = reader.ReadToEnd();
            var path = "app/" + Path.GetFileName(c.InputFile);
            var found = GitleaksAccuracyTests.Scan(scanner, path, text);
            if (c.ExpectedFindings.Count == 0)
            {
                tally.Negative("(clean) " + c.Name, found.Count > 0, c.InputFile, found.FirstOrDefault()?.RuleId);
            }

            foreach (var expected in c.ExpectedFindings)
            {
                tally.Positive(expected.RuleId, found.Any(f => f.Line == expected.StartLine), $"{c.InputFile}:{expected.StartLine} ({c.Name})");
            }
        }

        CorpusReport.Write("trivy", tally.Render("trivy built-in cases"));
        // Trivy's built-in set differs from ours in scope, so we hold ourselves to 90% of its expected
        // findings. Trivy has no generic rule; ours reports a high-entropy value bound to "AWS_key" in one
        // of its clean inputs, which we accept: at most one clean input may produce a finding.
        Assert.True(tally.Recall >= 0.90, $"recall {tally.Recall:P2} below 90%");
        Assert.True(tally.FalseAlarms == 0, $"{tally.FalseAlarms} clean inputs produced findings");
    }
}
