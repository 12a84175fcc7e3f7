using System.Text.RegularExpressions;
using Comb.Contracts;

namespace Comb.Analyzers.Tests.PeerFixtures;

internal sealed record ComparisonOutcome(IReadOnlyList<string> Missing, IReadOnlyList<string> Extra)
{
    public bool IsMatch => Missing.Count == 0 && Extra.Count == 0;

    public override string ToString() =>
        $"missing [{string.Join(", ", Missing)}] extra [{string.Join(", ", Extra)}]";
}

/// <summary>
/// Compares name@version sets, after the naming conventions that differ between peers are aligned:
/// <list type="bullet">
/// <item>Peers differ on listing the project's own root package (trivy's analyzer tests do, its parser tests do not; syft varies by format). Our root package is not counted as extra when the peer lists no root.</item>
/// <item>Python names compare under PEP 503 normalisation: syft normalises them, trivy keeps them as written.</item>
/// <item>Peers sometimes assert a package with an empty name (trivy's nameless workspace root); we never report nameless packages, so those expected entries are dropped.</item>
/// <item>syft names Java packages by artifactId alone; we (like trivy and osv-scalibr) use groupId:artifactId.</item>
/// <item>syft names Swift packages by their identity (the lower-cased repository name); we name them host/owner/repo like trivy.</item>
/// <item>rpm peers report the epoch apart from VERSION-RELEASE; our rpm versions may carry "epoch:", which is ignored.</item>
/// <item>osv-scalibr writes Go module versions without the leading "v", adds a "stdlib" package for go.mod's go/toolchain line, and lists git dependencies with an empty version; we keep Go's "v", report no stdlib from go.mod (like trivy without its min-version option) and report no git dependency (no published version to match).</item>
/// </list>
/// </summary>
internal static partial class PeerComparison
{
    public static ComparisonOutcome Compare(PeerCase peerCase, IReadOnlyList<Package> ours)
    {
        var expected = peerCase.Expected!;
        var want = expected.Packages
            .Where(p => p.Name.Length > 0)
            .Where(p => !(expected.Peer == "osv-scalibr" && (p.Version.Length == 0 || (peerCase.Format == "go-mod" && p.Name == "stdlib"))))
            .Select(p => $"{NormalizeName(peerCase, p.Name)}@{p.Version}")
            .ToHashSet(StringComparer.Ordinal);
        var have = ours
            .Where(p => !(p.Relationship == "root" && !want.Contains(Key(expected.Peer, p)) && !expected.Packages.Any(e => e.Relationship == "root")))
            .Where(p => !(p.Dev && DevExcludedByPeer(peerCase)))
            .Select(p => Key(expected.Peer, p))
            .ToHashSet(StringComparer.Ordinal);
        return new ComparisonOutcome(
            [.. want.Except(have).Order(StringComparer.Ordinal)],
            [.. have.Except(want).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// syft leaves dev-only packages out of npm/yarn/pnpm locks and Pipfile.lock "develop" unless IncludeDevDependencies is set. pnpm: trivy's parser for lockfile v5/v6 and syft with its default options leave dev-only packages out;
    /// we keep them, flagged Dev. Only when the peer lists no dev package at all is its list taken as prod-only.
    /// trivy's Cargo analyzer keeps only what the workspace members' Cargo.toml reach outside [dev-dependencies];
    /// we keep the rest flagged Dev.
    /// </summary>
    private static bool DevExcludedByPeer(PeerCase peerCase) =>
        (peerCase.Format == "pnpm-lock" && !peerCase.Expected!.Packages.Any(p => p.Dev))
        || (peerCase.Format == "cargo-lock" && peerCase.Expected!.Peer == "trivy")
        || (peerCase.Expected!.Peer == "syft" && peerCase.Format is "npm-package-lock" or "pnpm-lock" or "yarn-lock" or "pipfile-lock"
            && !peerCase.Expected.IncludesDev);

    private static string Key(string peer, Package p)
    {
        var name = p.Name;
        var version = p.Version;
        if (peer == "syft" && p.Type == PackageTypes.Maven && name.LastIndexOf(':') is var colon and > 0)
        {
            name = name[(colon + 1)..];
        }

        if (peer == "syft" && p.Type == "swift" && name.LastIndexOf('/') is var slash and > 0)
        {
            name = name[(slash + 1)..].ToLowerInvariant();
        }

        if (peer == "osv-scalibr" && p.Type == PackageTypes.Golang && version.StartsWith('v'))
        {
            version = version[1..];
        }

        if (p.Type == PackageTypes.Rpm)
        {
            version = RpmEpoch().Replace(version, "");
        }

        return $"{(p.Type == PackageTypes.PyPI ? Pep503(name) : name)}@{version}";
    }

    private static string NormalizeName(PeerCase peerCase, string name) =>
        peerCase.Format is "python-dist-metadata" or "python-requirements" or "pipfile-lock" or "poetry-lock" or "uv-lock" or "pylock-toml"
            ? Pep503(name)
            : name;

    private static string Pep503(string name) => Separators().Replace(name, "-").ToLowerInvariant();

    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex Separators();

    [GeneratedRegex(@"^\d+:")]
    private static partial Regex RpmEpoch();
}

/// <summary>
/// Cases where we knowingly differ from the peer, with the reason. Keep this short: each entry is a
/// place where the peer is wrong or deliberately does something we do not.
/// </summary>
internal static class PeerDeviations
{
    private static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
        ["yarn-lock/syft-yarn-v1"] = "syft names a yarn v1 package after the path of its resolved URL (something-i-made-up); we use the name the lock entry declares (c0n-fab_u.laTION)",
        ["yarn-lock/syft-yarn-v1-deps"] = "same fixture as syft-yarn-v1: syft takes the name from the resolved URL, we from the lock entry",
        ["python-dist-metadata/syft-partial-dist-info-directory"] = "the peer's test feeds a bare METADATA file lying directly in site-packages; we only read METADATA inside a *.dist-info directory, where pip puts it",
        ["python-requirements/syft-requirements-guess-unpinned-requirements-lowest-version"] = "syft option GuessUnpinnedRequirements reports the lowest version a range allows; we report only pinned (==, ===) requirements, since a range says nothing about what is installed",
        ["dpkg-status/syft-multiple-entries"] = "syft keeps a record with no Status and no Version ('no-version'); dpkg-query would not list it and it cannot be matched, so Comb drops it like Trivy",
        ["go-mod/trivy-go116"] = "for go < 1.17 trivy's parser drops '// indirect' requires (it fills them from go.sum instead); we keep them, they are real module requirements",
        ["elixir-mix-lock/syft-mix-lock"] = "syft lists git and path dependencies with the commit (enacl) or an empty version (local_dep); we report hex releases only, since neither names a published version",
        ["julia-manifest/trivy-julia-v1-0-format"] = "trivy reports packages without a version as version 'unknown'; we skip them (path-developed packages, and stdlibs when the manifest has no julia_version)",
        ["julia-manifest/trivy-manifest-v1-6"] = "trivy reports standard libraries of a format-1.0 manifest as version 'unknown'; the manifest does not record the Julia version, so we skip them",
        ["swift-package-resolved/trivy-happy-v2-package-resolved"] = "trivy uses the tracked branch name as the version of a pin without a version (swift-ogg, branch 0.0.1); a branch is not a release, so we skip such pins",
        ["pnpm-lock/osv-scalibr-pnpmlock-v9-multiple-versions"] = "the importer locks aws-sdk at 2.1602.0 but the (truncated) lock has no package entry for it; osv-scalibr drops it, syft (pnpm-lock/syft-pnpm-exclude-dev) and we report it: the importer records the resolved version",
        ["pnpm-lock/trivy-pnpm-lock-v9"] = "trivy lists the local directory dependency package1 (file:package1) with an empty version; we do not report local directory links as packages",
    };

    public static string? Reason(string caseKey) => Reasons.GetValueOrDefault(caseKey);
}
