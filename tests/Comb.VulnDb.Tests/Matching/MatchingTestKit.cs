using Comb.Contracts;
using Comb.VulnDb.Database;
using Comb.VulnDb.Matching;

namespace Comb.VulnDb.Tests.Matching;

/// <summary>Crafted inventories for matching tests.</summary>
internal static class MatchingTestKit
{
    public const string Layer0 = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    public const string Layer5 = "sha256:5555555555555555555555555555555555555555555555555555555555555555";

    public static readonly OsInfo Debian11 = new() { Family = "debian", Name = "11.6", Codename = "bullseye" };
    public static readonly OsInfo Alpine311 = new() { Family = "alpine", Name = "3.11.6" };
    public static readonly OsInfo Ubuntu2204 = new() { Family = "ubuntu", Name = "22.04", Codename = "jammy" };

    public static Package Deb(string name, string version, string? source = null, string? sourceVersion = null) => new()
    {
        Name = name,
        Version = version,
        Type = PackageTypes.Deb,
        SourceName = source,
        SourceVersion = sourceVersion,
        Path = "var/lib/dpkg/status",
        LayerDiffId = Layer0,
        Purl = PackageUrl.Create("deb", "debian", name, version, new Dictionary<string, string> { ["arch"] = "amd64" }),
    };

    public static Package Apk(string name, string version, string? origin = null) => new()
    {
        Name = name,
        Version = version,
        Type = PackageTypes.Apk,
        SourceName = origin,
        Path = "lib/apk/db/installed",
        LayerDiffId = Layer0,
        Purl = PackageUrl.Create("apk", "alpine", name, version),
    };

    public static Package Lang(string type, string name, string version, string path) => new()
    {
        Name = name,
        Version = version,
        Type = type,
        Path = path,
        LayerDiffId = Layer5,
        Purl = PackageUrl.Create(type, null, name, version),
    };

    public static IReadOnlyList<LayerDescriptor> Layers { get; } =
    [
        .. Enumerable.Range(0, 6).Select(i => new LayerDescriptor
        {
            Index = i,
            Digest = "sha256:" + new string((char)('a' + i), 64),
            DiffId = "sha256:" + new string((char)('0' + i), 64),
            MediaType = "application/vnd.oci.image.layer.v1.tar+gzip",
        }),
    ];

    public static IReadOnlyList<VulnerabilityFinding> Match(AdvisoryDatabase db, OsInfo? os, params Package[] packages) =>
        new VulnerabilityMatcher(db, OsvComparerResolver.Instance).Match(os, packages, Layers, CancellationToken.None).Findings;

    /// <summary>The finding that names <paramref name="id"/> as primary id or alias.</summary>
    public static VulnerabilityFinding? Named(this IEnumerable<VulnerabilityFinding> findings, string id) =>
        findings.SingleOrDefault(f => f.Id == id || f.Aliases.Contains(id));
}
