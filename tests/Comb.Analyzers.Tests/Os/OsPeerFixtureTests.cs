using System.Text.Json;
using Comb.Analyzers;
using Comb.Analyzers.Os;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Os;

public sealed class OsPeerFixtureTests
{
    /// <summary>Cases where Comb deliberately differs from the peer, with the reason.</summary>
    private static readonly Dictionary<string, string> OsDeviations = new(StringComparer.Ordinal)
    {
        ["syft-arch"] = "Arch Linux's os-release has no VERSION_ID; like Trivy we report no OS rather than a versionless one (nothing to match advisories against)",
    };

    private static readonly Dictionary<string, string> DpkgDeviations = new(StringComparer.Ordinal)
    {
        ["syft-multiple-entries"] = "syft keeps a record with no Status and no Version ('no-version'); dpkg-query would not list it and it cannot be matched, so Comb drops it like Trivy",
    };

    private static readonly Dictionary<string, string> None = new(StringComparer.Ordinal);

    /// <summary>syft reports os-release IDs; the family names Comb uses (Trivy's) differ for a few.</summary>
    private static readonly Dictionary<string, string> SyftIdToFamily = new(StringComparer.Ordinal)
    {
        ["almalinux"] = "alma",
        ["rhel"] = "redhat",
        ["ol"] = "oracle",
        ["amzn"] = "amazon",
        ["mariner"] = "cbl-mariner",
        ["opensuse"] = "opensuse-leap",
        ["sle-micro"] = "slem",
    };

    [Fact]
    public async Task OsReleaseMatchesPeers()
    {
        var root = SharedData.Require("peer-fixtures", "os-release");
        var outcomes = new List<PeerFixtureHarness.CaseOutcome>();
        foreach (var caseDir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(caseDir);
            var analyzers = OsAndBinaryAnalyzers.All().ToArray();
            var tester = AnalyzerTester.For(analyzers).WithDirectory(Path.Combine(caseDir, "input"));
            var found = new List<(string, OsInfo)>();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(caseDir, "input"), "*", SearchOption.AllDirectories))
            {
                var rel = Path.GetRelativePath(Path.Combine(caseDir, "input"), file).Replace('\\', '/');
                var results = await AnalyzerTester.For(analyzers).WithFile(rel, await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken)).RunAsync(TestContext.Current.CancellationToken);
                found.AddRange(results.Where(r => r.Os is not null).Select(r => (rel, r.Os!)));
            }

            var actual = OsInfoMerger.Merge(found);
            var expectedPath = Path.Combine(caseDir, "expected.json");
            if (!File.Exists(expectedPath))
            {
                outcomes.Add(new(name, true, true, $"held out: ran, os={Describe(actual)}"));
                continue;
            }

            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(expectedPath, TestContext.Current.CancellationToken));
            var peer = doc.RootElement.GetProperty("peer").GetString();
            var os = doc.RootElement.GetProperty("os");
            string? family = null, version = null;
            if (os.ValueKind == JsonValueKind.Object)
            {
                if (peer == "trivy")
                {
                    family = os.GetProperty("family").GetString();
                    version = os.GetProperty("name").GetString();
                }
                else
                {
                    var id = os.TryGetProperty("id", out var i) ? i.GetString() : null;
                    family = id is null ? null : SyftIdToFamily.GetValueOrDefault(id, id);
                    version = os.TryGetProperty("version_id", out var v) ? v.GetString() : null;
                }
            }

            var expected = family is null ? "none" : $"{family} {version}";
            var got = Describe(actual);
            outcomes.Add(new(name, false, expected == got, $"expected {expected}, got {got}"));
        }

        PeerFixtureHarness.Report("os-release", outcomes, OsDeviations);
    }

    private static string Describe(OsInfo? os) => os is null ? "none" : $"{os.Family} {os.Name}";

    [Fact]
    public Task DpkgStatusMatchesPeers() => PeerFixtureHarness.RunPackagesAsync("dpkg-status", DpkgDeviations);

    [Fact]
    public Task ApkInstalledMatchesPeers() => PeerFixtureHarness.RunPackagesAsync("apk-installed", None);

    [Fact]
    public Task RpmBdbMatchesPeers() => PeerFixtureHarness.RunPackagesAsync("rpm-bdb", None);

    [Fact]
    public Task RpmNdbMatchesPeers() => PeerFixtureHarness.RunPackagesAsync("rpm-ndb", None);

    [Fact]
    public Task GoBinaryMatchesPeers() => PeerFixtureHarness.RunPackagesAsync("go-binary", None);

    [Fact]
    public Task RustBinaryMatchesPeers() => PeerFixtureHarness.RunPackagesAsync("rust-binary", None);
}
