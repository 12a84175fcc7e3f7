using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.PeerFixtures;

/// <summary>
/// Runs every analyzer the inventory provider knows over each peer-fixture case and compares the
/// name+version set with what the peer's own test asserts. One theory row per format; a format whose
/// files no registered analyzer claims is skipped (its analyzers live on another branch until merged).
/// </summary>
public sealed class PeerFixtureTests
{
    public static TheoryData<string> Formats()
    {
        var root = SharedData.RootOrNull;
        var dir = root is null ? null : Path.Combine(root, "peer-fixtures");
        if (dir is null || !File.Exists(Path.Combine(dir, "index.json")))
        {
            return new TheoryData<string>("(shared data absent)");
        }

        return new TheoryData<string>(PeerCase.Load(dir).Select(c => c.Format).Distinct().Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Analyzers_match_the_peers_on_every_visible_case(string format)
    {
        var dir = SharedData.Require("peer-fixtures", "index.json");
        var cases = PeerCase.Load(Path.GetDirectoryName(dir)!).Where(c => c.Format == format).ToList();
        var analyzers = InventoryAnalyzerProvider.All();
        var postAnalyzers = InventoryAnalyzerProvider.AllPost();
        var output = TestContext.Current.TestOutputHelper;

        var claimed = false;
        var passed = 0;
        var visible = 0;
        var deviated = 0;
        var failures = new List<string>();
        foreach (var peerCase in cases)
        {
            var run = await PeerRun.RunAsync(peerCase, analyzers, postAnalyzers, TestContext.Current.CancellationToken);
            claimed |= run.AnyFileClaimed;
            if (peerCase.Expected is null)
            {
                // Held out: running without an exception is the check; list what was found for review.
                output?.WriteLine($"  held out {peerCase.Key}: {string.Join(", ", run.Packages.Select(p => $"{p.Name}@{p.Version}").Distinct().Take(40))}");
                if (Environment.GetEnvironmentVariable("COMB_PEER_VERBOSE") == "1")
                {
                    Console.WriteLine($"HELD {peerCase.Key}: {string.Join(", ", run.Packages.Select(p => $"{p.Name}@{p.Version}").Distinct().Take(60))} | diag: {string.Join("; ", run.Diagnostics)}");
                }

                continue;
            }

            visible++;
            var outcome = PeerComparison.Compare(peerCase, run.Packages);
            if (outcome.IsMatch)
            {
                passed++;
                continue;
            }

            if (PeerDeviations.Reason(peerCase.Key) is { } reason)
            {
                deviated++;
                output?.WriteLine($"  deviation {peerCase.Key}: {reason}\n    {outcome}");
                continue;
            }

            failures.Add($"{peerCase.Key}: {outcome}" + (run.Diagnostics.Count > 0 ? $" diagnostics: {string.Join("; ", run.Diagnostics)}" : ""));
        }

        Assert.SkipUnless(claimed, $"No registered analyzer reads any {format} fixture file (its analyzers are not in this build).");
        var summary = $"{format}: {passed}/{visible} visible cases match the peer ({deviated} documented deviations, {cases.Count - visible} held out ran)";
        output?.WriteLine(summary);
        Console.WriteLine(summary);
        Assert.True(failures.Count == 0, summary + "\n" + string.Join("\n", failures));
    }
}

/// <summary>Packages found for one case, and whether any analyzer wanted any of its files.</summary>
internal sealed record PeerRun(IReadOnlyList<Package> Packages, bool AnyFileClaimed, IReadOnlyList<string> Diagnostics)
{
    /// <summary>
    /// Every file of the case's input is offered, as the layer walk would offer them: the files beside the scanned
    /// ones are context the peer read too (parent poms, the local Maven repository, the manifest beside a lock file).
    /// When the peer names the files it scanned, only package sets declared by those files are compared.
    /// </summary>
    public static async Task<PeerRun> RunAsync(PeerCase peerCase, IReadOnlyList<IFileAnalyzer> analyzers, IReadOnlyList<IPostAnalyzer> postAnalyzers,
        CancellationToken cancellationToken)
    {
        var tester = AnalyzerTester.For(analyzers, postAnalyzers).WithDirectory(peerCase.InputDir);
        var scanned = peerCase.Expected?.ScannedFiles is { Count: > 0 } files ? files.ToHashSet(StringComparer.Ordinal) : null;
        var results = await tester.RunAsync(cancellationToken);
        var sets = PackageDetails.Join([.. results.SelectMany(r => r.PackageSets)], [.. results.SelectMany(r => r.Details)])
            .Where(s => scanned is null || scanned.Contains(s.FilePath));
        return new PeerRun([.. sets.SelectMany(s => s.Packages)], results.Count > 0,
            [.. results.SelectMany(r => r.Diagnostics).Select(d => $"{d.Path}: {d.Message}")]);
    }
}
