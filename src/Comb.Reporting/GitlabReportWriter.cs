using System.Globalization;
using System.Text.Json.Nodes;
using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>
/// GitLab's container-scanning security report (schema 15.0.x, the <c>artifacts:reports:container_scanning</c> file):
/// the scan (analyzer, scanner, times, status) and one vulnerability per finding, located at the package, operating
/// system and image. Container scanning carries only vulnerabilities; secrets, malware and configuration findings stay
/// in the other formats.
/// </summary>
public sealed class GitlabReportWriter : IReportWriter
{
    /// <summary>The schema version written; GitLab accepts reports of its current major version.</summary>
    public const string SchemaVersion = "15.0.7";

    public string Format => "gitlab";

    public Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken)
    {
        report = ReportSorter.Sort(report);
        var image = ReportFacts.ImageName(report.Image);
        var os = report.Os is { } o ? $"{o.Family} {o.Name}" : "Unknown";

        // The schema's times are UTC without a zone or fraction; the report's creation time keeps output deterministic.
        var time = report.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var tool = new JsonObject
        {
            ["id"] = "comb",
            ["name"] = "Comb",
            ["version"] = report.ToolVersion,
            ["vendor"] = new JsonObject { ["name"] = "Comb" },
        };
        var document = new JsonObject
        {
            ["version"] = SchemaVersion,
            ["scan"] = new JsonObject
            {
                ["analyzer"] = tool.DeepClone(),
                ["scanner"] = tool,
                ["type"] = "container_scanning",
                ["start_time"] = time,
                ["end_time"] = time,
                ["status"] = "success",
            },
            ["vulnerabilities"] = JsonNodeOutput.Array(
                report.Vulnerabilities
                    .OrderBy(v => v.PackageName, StringComparer.Ordinal).ThenBy(v => v.InstalledVersion, StringComparer.Ordinal)
                    .ThenBy(v => v.Id, StringComparer.Ordinal).ThenBy(v => v.Path, StringComparer.Ordinal),
                v => Vulnerability(v, image, os)),
        };
        return JsonNodeOutput.WriteAsync(document, output, cancellationToken);
    }

    private static JsonObject Vulnerability(VulnerabilityFinding finding, string image, string os)
    {
        var solution = finding.FixAdvice
            ?? (finding.FixedVersions.Count > 0 ? $"Upgrade {finding.PackageName} to {string.Join(" or ", finding.FixedVersions)}" : null);
        return new JsonObject
        {
            // GitLab tracks a finding across pipelines by its identifiers and location; the id only has to be unique.
            ["id"] = ReportFacts.StableUuid("gitlab", image, finding.Id, finding.PackageName, finding.InstalledVersion, finding.Path),
            ["name"] = finding.Title ?? $"{finding.Id} in {finding.PackageName}",
        }
        .With("description", Truncate(finding.Description ?? finding.Title))
        .With("severity", Severity(finding.Severity))
        .With("solution", solution)
        .With("identifiers", JsonNodeOutput.Array(new[] { finding.Id }.Concat(finding.Aliases).Distinct(StringComparer.Ordinal), Identifier))
        .With("links", finding.References.Count == 0 ? null : JsonNodeOutput.Array(finding.References.Distinct(StringComparer.Ordinal), url => new JsonObject { ["url"] = url }))
        .With("location", new JsonObject
        {
            ["dependency"] = new JsonObject
            {
                ["package"] = new JsonObject { ["name"] = finding.PackageName },
                ["version"] = finding.InstalledVersion,
            },
            ["operating_system"] = os,
            ["image"] = image,
        });
    }

    /// <summary>GitLab's scale: Info, Unknown, Low, Medium, High, Critical.</summary>
    private static string Severity(Severity severity) => severity switch
    {
        Contracts.Severity.Low => "Low",
        Contracts.Severity.Medium => "Medium",
        Contracts.Severity.High => "High",
        Contracts.Severity.Critical => "Critical",
        _ => "Unknown",
    };

    /// <summary>An identifier typed by its prefix (cve, ghsa, dsa, ...), with a link for the kinds that have a public page.</summary>
    private static JsonNode Identifier(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        var type = dash > 0 ? id[..dash].ToLowerInvariant() : "comb";
        var url = type switch
        {
            "cve" => $"https://nvd.nist.gov/vuln/detail/{id}",
            "ghsa" => $"https://github.com/advisories/{id}",
            _ => null,
        };
        return new JsonObject { ["type"] = type, ["name"] = id, ["value"] = id }.With("url", url);
    }

    /// <summary>The schema caps text fields at 1 MiB; advisories never come close, but a hostile feed could.</summary>
    private static string? Truncate(string? text) => text is { Length: > 1_000_000 } ? text[..1_000_000] : text;
}
