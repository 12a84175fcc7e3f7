using Comb.Contracts;

namespace Comb.Storage.Tests;

/// <summary>Reports built in code, shaped like real scans.</summary>
internal static class Reports
{
    public static ScanReport Of(string reference, string digest, DateTimeOffset at, IEnumerable<(string Name, string Version)> packages,
        IEnumerable<(string Id, string Package, string Version)>? vulns = null, string? verdict = null, IEnumerable<SecretFinding>? secrets = null)
    {
        var layer = "sha256:" + new string('a', 64);
        var image = new ImageMetadata
        {
            Reference = reference,
            Registry = "registry.example",
            Repository = reference.Split(':')[0].Replace("registry.example/", "", StringComparison.Ordinal),
            Tag = reference.Contains(':', StringComparison.Ordinal) ? reference.Split(':')[1] : null,
            ManifestDigest = digest,
            ConfigDigest = "sha256:" + new string('c', 64),
            Platform = new ImagePlatform("linux", "amd64"),
            Config = new ImageConfig(),
            Layers = [new LayerDescriptor { Index = 0, Digest = layer, DiffId = layer, MediaType = "application/vnd.oci.image.layer.v1.tar+gzip" }],
            SourceKind = "registry",
        };
        return new ScanReport
        {
            CreatedAt = at,
            ToolVersion = "test",
            Image = image,
            Os = new OsInfo { Family = "debian", Name = "11.2" },
            PackageSets = [new PackageSet
            {
                FilePath = "var/lib/dpkg/status",
                Kind = "dpkg",
                Packages = [.. packages.Select(p => new Package { Name = p.Name, Version = p.Version, Type = PackageTypes.Deb, LayerDiffId = layer, Path = "var/lib/dpkg/status" })],
            }],
            Vulnerabilities = [.. (vulns ?? []).Select(v => new VulnerabilityFinding
            {
                Id = v.Id,
                Aliases = v.Id.StartsWith("CVE", StringComparison.Ordinal) ? ["DSA-" + v.Id[4..]] : [],
                PackageName = v.Package,
                PackageType = PackageTypes.Deb,
                InstalledVersion = v.Version,
                FixedVersions = ["9.9"],
                Severity = Severity.High,
                LayerDiffId = layer,
                Path = "var/lib/dpkg/status",
            })],
            Secrets = [.. secrets ?? []],
            Policy = verdict is null ? null : new PolicyVerdict { Decision = verdict },
            Trigger = "cli",
        };
    }
}
