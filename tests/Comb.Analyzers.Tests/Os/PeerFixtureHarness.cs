using System.Text.Json;
using Comb.Analyzers;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Os;

/// <summary>
/// Runs the OS and binary analyzers over every case of one peer-fixture format and compares name+version sets
/// with what the peer asserts, normalising each peer's version convention. Held-out cases (no expected.json)
/// are run too, to prove they do not crash.
/// </summary>
internal static class PeerFixtureHarness
{
    public sealed record CaseOutcome(string Case, bool HeldOut, bool Passed, string Detail);

    public static async Task<List<CaseOutcome>> RunPackagesAsync(string format, IReadOnlyDictionary<string, string> deviations)
    {
        var root = SharedData.Require("peer-fixtures", format);
        var outcomes = new List<CaseOutcome>();
        foreach (var caseDir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(caseDir);
            var results = await AnalyzerTester.For([.. OsAndBinaryAnalyzers.All()]).WithDirectory(Path.Combine(caseDir, "input")).RunAsync(TestContext.Current.CancellationToken);
            var actual = results.SelectMany(r => r.PackageSets).SelectMany(s => s.Packages)
                .Select(p => p.Name + "@" + p.Version).ToHashSet(StringComparer.Ordinal);
            var expectedPath = Path.Combine(caseDir, "expected.json");
            if (!File.Exists(expectedPath))
            {
                outcomes.Add(new CaseOutcome(name, true, true, $"held out: ran, {actual.Count} packages, {results.Sum(r => r.Diagnostics.Count)} diagnostics"));
                continue;
            }

            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(expectedPath, TestContext.Current.CancellationToken));
            var peer = doc.RootElement.GetProperty("peer").GetString()!;
            var expected = doc.RootElement.GetProperty("packages").EnumerateArray()
                .Select(p => p.GetProperty("name").GetString() + "@" + NormalisedVersion(format, peer, p))
                .ToHashSet(StringComparer.Ordinal);
            var missing = expected.Except(actual).Order(StringComparer.Ordinal).ToList();
            var extra = actual.Except(expected).Order(StringComparer.Ordinal).ToList();
            var passed = missing.Count == 0 && extra.Count == 0;
            outcomes.Add(new CaseOutcome(name, false, passed, passed ? "ok" : $"missing [{string.Join(", ", missing.Take(10))}] extra [{string.Join(", ", extra.Take(10))}]"));
        }

        return Report(format, outcomes, deviations);
    }

    public static List<CaseOutcome> Report(string format, List<CaseOutcome> outcomes, IReadOnlyDictionary<string, string> deviations)
    {
        var visible = outcomes.Where(o => !o.HeldOut).ToList();
        var passed = visible.Count(o => o.Passed);
        TestContext.Current.SendDiagnosticMessage($"[{format}] {passed}/{visible.Count} visible cases pass, {outcomes.Count - visible.Count} held-out cases ran without error");
        TestContext.Current.TestOutputHelper?.WriteLine($"[{format}] {passed}/{visible.Count} visible cases pass; held out run: {outcomes.Count - visible.Count}");
        foreach (var o in outcomes)
        {
            var tag = o.HeldOut ? "held-out" : o.Passed ? "pass" : deviations.ContainsKey(o.Case) ? "deviation" : "FAIL";
            TestContext.Current.TestOutputHelper?.WriteLine($"  {tag,-9} {o.Case}: {o.Detail}{(deviations.TryGetValue(o.Case, out var why) ? " (" + why + ")" : "")}");
        }

        var unexplained = visible.Where(o => !o.Passed && !deviations.ContainsKey(o.Case)).ToList();
        Assert.True(unexplained.Count == 0, $"[{format}] unexplained mismatches: " + string.Join("; ", unexplained.Select(o => o.Case + ": " + o.Detail)));

        // A deviation that no longer deviates should be removed from the list.
        var stale = visible.Where(o => o.Passed && deviations.ContainsKey(o.Case)).Select(o => o.Case).ToList();
        Assert.True(stale.Count == 0, $"[{format}] listed deviations now pass, remove them: " + string.Join(", ", stale));
        return outcomes;
    }

    /// <summary>Brings the peer's version convention to ours (full dpkg version; rpm VERSION-RELEASE).</summary>
    private static string NormalisedVersion(string format, string peer, JsonElement p)
    {
        var version = p.GetProperty("version").GetString() ?? "";
        if (format == "dpkg-status" && peer == "trivy" && p.TryGetProperty("id", out var id))
        {
            // Trivy splits epoch/version/release; its package id keeps the full Debian version.
            var s = id.GetString()!;
            return s[(s.IndexOf('@', StringComparison.Ordinal) + 1)..];
        }

        if (peer.StartsWith("go-rpmdb", StringComparison.Ordinal) && p.TryGetProperty("release", out var release) && release.GetString() is { Length: > 0 } r)
        {
            return version + "-" + r;
        }

        return version;
    }
}
