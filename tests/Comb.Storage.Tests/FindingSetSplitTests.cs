using Comb.Contracts;

namespace Comb.Storage.Tests;

/// <summary>A report's findings split by package set exactly when reassembling the sets gives its list back.</summary>
public sealed class FindingSetSplitTests
{
    private static Package Pkg(string name, string path, string type = PackageTypes.Npm) => new() { Name = name, Version = "1.0", Type = type, Path = path, LayerDiffId = "sha256:l" };

    private static VulnerabilityFinding Finding(string id, string package, string path, Severity severity = Severity.High, string type = PackageTypes.Npm) => new()
    {
        Id = id, PackageName = package, InstalledVersion = "1.0", PackageType = type, Path = path, LayerDiffId = "sha256:l", Severity = severity,
    };

    private static ScanReport Report(IReadOnlyList<VulnerabilityFinding> findings) => new()
    {
        CreatedAt = DateTimeOffset.UnixEpoch,
        ToolVersion = "test",
        Image = new ImageMetadata { Reference = "x", ConfigDigest = "sha256:c", Platform = new ImagePlatform("linux", "amd64"), Config = new ImageConfig(), Layers = [], SourceKind = "registry" },
        PackageSets =
        [
            new PackageSet { Kind = "npm", FilePath = "a/package-lock.json", Packages = [Pkg("alpha", "a/package-lock.json"), Pkg("gamma", "a/package-lock.json"), Pkg("dup", "shared")] },
            new PackageSet { Kind = "npm", FilePath = "b/package-lock.json", Packages = [Pkg("beta", "b/package-lock.json"), Pkg("twin", "b/package-lock.json"), Pkg("dup", "shared", PackageTypes.PyPI)] },
            new PackageSet { Kind = "npm", FilePath = "c/package-lock.json", Packages = [Pkg("twin", "c/package-lock.json")] },
        ],
        Vulnerabilities = findings,
    };

    [Fact]
    public void Findings_in_the_matchers_order_split_by_set_and_reassemble_to_the_same_list()
    {
        List<VulnerabilityFinding> findings =
        [
            Finding("CVE-2", "alpha", "a/package-lock.json", Severity.Critical), Finding("CVE-1", "alpha", "a/package-lock.json"),
            Finding("CVE-3", "beta", "b/package-lock.json"), Finding("CVE-4", "gamma", "a/package-lock.json"),
            Finding("CVE-5", "twin", "b/package-lock.json"), Finding("CVE-5", "twin", "c/package-lock.json"),
        ];

        var split = FindingSetStore.Split(Report(findings));

        Assert.NotNull(split);
        Assert.Equal([["CVE-2", "CVE-1", "CVE-4"], ["CVE-3", "CVE-5"], ["CVE-5"]], split.Select(s => s.Select(f => f.Id).ToArray()));
        Assert.Equal(findings, FindingSetStore.Assemble(split));
    }

    [Fact]
    public void Findings_out_of_the_matchers_order_or_tied_in_reverse_set_order_stay_whole()
    {
        var a1 = Finding("CVE-1", "alpha", "a/package-lock.json");
        var b3 = Finding("CVE-3", "beta", "b/package-lock.json");

        Assert.Null(FindingSetStore.Split(Report([b3, a1]))); // beta before alpha
        Assert.Null(FindingSetStore.Split(Report([a1, Finding("CVE-0", "alpha", "a/package-lock.json")]))); // same package and severity, ids descending
        Assert.Null(FindingSetStore.Split(Report([Finding("CVE-5", "twin", "c/package-lock.json"), Finding("CVE-5", "twin", "b/package-lock.json")]))); // paths descending

        // A tie in the matcher's order (same name, version, path, severity and id; another type) is kept in set order only.
        var npm = Finding("CVE-7", "dup", "shared");
        var pypi = Finding("CVE-7", "dup", "shared", type: PackageTypes.PyPI);
        Assert.Null(FindingSetStore.Split(Report([pypi, npm])));
        Assert.Equal([npm, pypi], FindingSetStore.Assemble(FindingSetStore.Split(Report([npm, pypi]))!));
        Assert.Null(FindingSetStore.Split(Report([Finding("CVE-9", "nobody", "z/package-lock.json")]))); // no set holds the package
    }
}
