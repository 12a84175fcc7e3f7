using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>Small facts several formats derive the same way: ids, names, paths and scores.</summary>
internal static class ReportFacts
{
    /// <summary>A deterministic RFC 4122 (version 5 style) UUID from the given parts.</summary>
    public static string StableUuid(params string?[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts.Select(p => p ?? string.Empty))));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(hash.AsSpan(0, 16));
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";
    }

    public static string ShortHash(string text, int chars = 16) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..chars];

    /// <summary>The image as people name it: registry/repository:tag, or the reference given.</summary>
    public static string ImageName(ImageMetadata image)
    {
        if (image.Repository is null)
        {
            return image.Reference;
        }

        var name = image.Registry is null ? image.Repository : $"{image.Registry}/{image.Repository}";
        return image.Tag is null ? name : $"{name}:{image.Tag}";
    }

    /// <summary>pkg:oci purl of the image, when it has a digest.</summary>
    public static string ImagePurl(ImageMetadata image)
    {
        var repo = image.Repository ?? image.Reference;
        var name = repo.Split('/')[^1].ToLowerInvariant();
        var digest = image.ManifestDigest ?? image.ConfigDigest;
        var qualifiers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["arch"] = image.Platform.Architecture,
        };
        if (image.Repository is not null)
        {
            qualifiers["repository_url"] = image.Registry is null ? image.Repository : $"{image.Registry}/{image.Repository}";
        }

        if (image.Tag is not null)
        {
            qualifiers["tag"] = image.Tag;
        }

        return PackageUrl.Create("oci", null, name.Length == 0 ? "image" : name, digest, qualifiers);
    }

    /// <summary>An in-image path without a leading slash.</summary>
    /// <summary>The first 12 hex digits of a digest, as layer ids are shown.</summary>
    public static string ShortDigest(string digest)
    {
        var hex = digest[(digest.IndexOf(':', StringComparison.Ordinal) + 1)..];
        return hex.Length > 12 ? hex[..12] : hex;
    }

    public static string ImagePath(string? path) => (path ?? string.Empty).TrimStart('/');

    /// <summary>"file:LINE" locations (Dockerfile:12) split into path and line.</summary>
    public static (string Path, int? Line) SplitLocation(string location)
    {
        var colon = location.LastIndexOf(':');
        if (colon > 0 && int.TryParse(location.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var line) && line > 0)
        {
            return (ImagePath(location[..colon]), line);
        }

        return (ImagePath(location), null);
    }

    /// <summary>The best numeric CVSS score of a finding: v3.1, else v3.0, else v4.0, else v2 (documented choice).</summary>
    public static CvssScore? PreferredCvss(VulnerabilityFinding finding) =>
        new[] { "3.1", "3.0", "4.0", "2.0" }
            .Select(v => finding.Cvss.Where(c => c.Version == v && c.BaseScore is not null).OrderBy(c => c.Source, StringComparer.Ordinal).FirstOrDefault())
            .FirstOrDefault(c => c is not null);

    /// <summary>Numeric severity for formats that want one: the CVSS score when known, else a band midpoint.</summary>
    public static double SeverityScore(Severity severity, CvssScore? cvss = null) => cvss?.BaseScore ?? severity switch
    {
        Severity.Critical => 9.5,
        Severity.High => 8.0,
        Severity.Medium => 5.5,
        Severity.Low => 2.0,
        _ => 0.0,
    };

    public static string Number(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>Target a vulnerability belongs to: its package's declaring file, or the OS package database.</summary>
    public static string VulnerabilityTarget(VulnerabilityFinding v, ScanReport report)
    {
        if (!string.IsNullOrEmpty(v.Path))
        {
            return ImagePath(v.Path);
        }

        var set = report.PackageSets.FirstOrDefault(s => s.Packages.Any(p =>
            (v.PackagePurl is not null && p.Purl == v.PackagePurl) || (p.Name == v.PackageName && p.Version == v.InstalledVersion && p.Type == v.PackageType)));
        return set is not null ? ImagePath(set.FilePath) : ImageName(report.Image);
    }
}
