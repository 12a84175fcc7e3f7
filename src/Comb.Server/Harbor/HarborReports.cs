using System.Globalization;
using System.Text.Json.Nodes;
using Comb.Contracts;

namespace Comb.Server.Harbor;

/// <summary>Comb's report in the shapes Harbor renders: the vulnerability report (v1.1) and the SBOM report (v1.0).</summary>
internal static class HarborReports
{
    public static HarborScanner Scanner => new("Comb", "Comb", ScanContext.ToolVersion);

    /// <summary>The artifact as the scan saw it; the tag Harbor named travels in the scanned reference.</summary>
    public static HarborArtifact Artifact(ImageMetadata image) => new()
    {
        Repository = image.Repository,
        Digest = image.ManifestDigest,
        Tag = image.Tag,
        MimeType = image.ManifestMediaType,
    };

    public static HarborVulnerabilityReport Vulnerabilities(ScanReport report)
    {
        var items = report.Vulnerabilities
            .OrderBy(v => v.PackageName, StringComparer.Ordinal).ThenBy(v => v.InstalledVersion, StringComparer.Ordinal).ThenBy(v => v.Id, StringComparer.Ordinal)
            .Select(Vulnerability).ToList();
        var worst = report.Vulnerabilities.Count == 0 ? Severity.Unknown : report.Vulnerabilities.Max(v => v.Severity);
        return new HarborVulnerabilityReport(report.CreatedAt, Artifact(report.Image), Scanner, SeverityName(worst), items);
    }

    public static HarborSbomReport Sbom(ScanReport report, string mediaType, JsonNode document) =>
        new(report.CreatedAt, Artifact(report.Image), Scanner, mediaType, document,
            new Dictionary<string, object?> { ["scan_id"] = report.ScanId, ["packages"] = report.Packages.Count() });

    /// <summary>Harbor's scale: Unknown, Negligible, Low, Medium, High, Critical (Comb has no Negligible).</summary>
    public static string SeverityName(Severity severity) => severity switch
    {
        Severity.Low => "Low",
        Severity.Medium => "Medium",
        Severity.High => "High",
        Severity.Critical => "Critical",
        _ => "Unknown",
    };

    private static HarborVulnerability Vulnerability(VulnerabilityFinding finding)
    {
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["package_type"] = finding.PackageType,
            ["status"] = finding.Status,
        };
        if (finding.KnownExploited)
        {
            attributes["known_exploited"] = true;
        }

        if (finding.Aliases.Count > 0)
        {
            attributes["aliases"] = finding.Aliases;
        }

        if (finding.PackagePurl is not null)
        {
            attributes["purl"] = finding.PackagePurl;
        }

        if (finding.LayerDiffId is not null)
        {
            attributes["layer"] = finding.LayerDiffId;
        }

        if (finding.Path is not null)
        {
            attributes["path"] = finding.Path;
        }

        // Every source's scores, keyed as Harbor's own adapter keys them, so the console can show them all.
        if (finding.Cvss.Count > 0)
        {
            var bySource = new Dictionary<string, Dictionary<string, object>>(StringComparer.Ordinal);
            foreach (var score in finding.Cvss)
            {
                var entry = bySource.TryGetValue(score.Source, out var e) ? e : bySource[score.Source] = new Dictionary<string, object>(StringComparer.Ordinal);
                var prefix = score.Version.StartsWith('2') ? "V2" : score.Version.StartsWith('3') ? "V3" : "V" + score.Version.Replace(".", "", StringComparison.Ordinal);
                entry[prefix + "Vector"] = score.Vector;
                if (score.BaseScore is { } value)
                {
                    entry[prefix + "Score"] = value;
                }
            }

            attributes["CVSS"] = bySource;
        }

        return new HarborVulnerability
        {
            Id = finding.Id,
            Package = finding.PackageName,
            Version = finding.InstalledVersion,
            FixVersion = finding.FixedVersions.Count == 0 ? null : string.Join(", ", finding.FixedVersions),
            Severity = SeverityName(finding.Severity),
            Description = finding.Description ?? finding.Title,
            Links = finding.References,
            PreferredCvss = PreferredCvss(finding.Cvss),
            CweIds = finding.Cwes,
            VendorAttributes = attributes,
        };
    }

    /// <summary>The highest-scored v3 and v2 vectors (NVD's first when it scored); null when the advisory has none.</summary>
    private static HarborCvss? PreferredCvss(IReadOnlyList<CvssScore> scores)
    {
        static CvssScore? Pick(IEnumerable<CvssScore> candidates) =>
            candidates.OrderByDescending(s => s.Source == "nvd").ThenByDescending(s => s.BaseScore ?? -1).ThenBy(s => s.Source, StringComparer.Ordinal).FirstOrDefault();

        var v3 = Pick(scores.Where(s => s.Version.StartsWith('3')));
        var v2 = Pick(scores.Where(s => s.Version.StartsWith('2')));
        return v3 is null && v2 is null
            ? null
            : new HarborCvss { ScoreV3 = v3?.BaseScore, VectorV3 = v3?.Vector, ScoreV2 = v2?.BaseScore, VectorV2 = v2?.Vector };
    }

    /// <summary>The database build time as an RFC 3339 property value.</summary>
    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
