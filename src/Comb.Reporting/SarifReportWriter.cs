using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>
/// SARIF 2.1.0 for GitHub code scanning: one run, one rule per finding id (vulnerability id, secret rule, malware
/// signature, check id), results located at the in-image path (no leading slash) with a stable fingerprint.
/// </summary>
public sealed class SarifReportWriter : IReportWriter
{
    /// <summary>GitHub rejects runs with more results; the worst are kept.</summary>
    public const int MaxResults = 25_000;

    public string Format => "sarif";

    private sealed record Finding(
        string RuleId, string RuleName, string Kind, Severity Severity, CvssScore? Cvss, string ShortText, string FullText,
        string HelpText, string HelpMarkdown, string? HelpUri, IReadOnlyList<string> Tags,
        string Message, string Uri, int Line, string? LayerDiffId, string FingerprintSeed);

    public Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken)
    {
        report = ReportSorter.Sort(report);
        var findings = Collect(report)
            .OrderByDescending(f => f.Severity).ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .Take(MaxResults)
            .OrderBy(f => f.RuleId, StringComparer.Ordinal).ThenBy(f => f.Uri, StringComparer.Ordinal)
            .ThenBy(f => f.Line).ThenBy(f => f.FingerprintSeed, StringComparer.Ordinal)
            .ToList();

        var rules = findings.GroupBy(f => f.RuleId, StringComparer.Ordinal).Select(g => g.MaxBy(f => f.Severity)!).ToList();
        var ruleIndex = rules.Select((r, i) => (r.RuleId, i)).ToDictionary(x => x.RuleId, x => x.i, StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);

        var run = new JsonObject
        {
            ["tool"] = new JsonObject
            {
                ["driver"] = new JsonObject
                {
                    ["name"] = "Comb",
                    ["fullName"] = "Comb container image scanner",
                    ["semanticVersion"] = report.ToolVersion,
                    ["rules"] = JsonNodeOutput.Array(rules, Rule),
                },
            },
            ["results"] = JsonNodeOutput.Array(findings, f => Result(f, ruleIndex[f.RuleId], seen)),
            ["columnKind"] = "utf16CodeUnits",
            ["originalUriBaseIds"] = new JsonObject { ["ROOTPATH"] = new JsonObject { ["uri"] = "file:///" } },
            ["automationDetails"] = new JsonObject { ["id"] = $"comb/{ReportFacts.ImageName(report.Image)}/" },
            ["properties"] = new JsonObject()
                .With("imageName", ReportFacts.ImageName(report.Image))
                .With("imageId", report.Image.ConfigDigest)
                .With("repoDigest", report.Image.ManifestDigest),
        };

        var log = new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(run),
        };
        return JsonNodeOutput.WriteAsync(log, output, cancellationToken);
    }

    private static JsonNode Rule(Finding f) => new JsonObject
    {
        ["id"] = f.RuleId,
        ["name"] = f.RuleName,
        ["shortDescription"] = new JsonObject { ["text"] = Limit(f.ShortText, 1024) },
        ["fullDescription"] = new JsonObject { ["text"] = Limit(f.FullText, 1024) },
        ["defaultConfiguration"] = new JsonObject { ["level"] = Level(f.Severity) },
        ["help"] = new JsonObject { ["text"] = f.HelpText, ["markdown"] = f.HelpMarkdown },
    }.With("helpUri", f.HelpUri).With("properties", new JsonObject
    {
        ["tags"] = JsonNodeOutput.Strings(f.Tags.Take(20)),
        ["precision"] = "very-high",
        ["security-severity"] = ReportFacts.Number(ReportFacts.SeverityScore(f.Severity, f.Cvss)),
    });

    private static JsonNode Result(Finding f, int ruleIndex, Dictionary<string, int> seen)
    {
        var hash = ReportFacts.ShortHash(f.FingerprintSeed);
        seen[hash] = seen.GetValueOrDefault(hash) + 1;
        return new JsonObject
        {
            ["ruleId"] = f.RuleId,
            ["ruleIndex"] = ruleIndex,
            ["level"] = Level(f.Severity),
            ["message"] = new JsonObject { ["text"] = f.Message },
            ["locations"] = new JsonArray(new JsonObject
            {
                ["physicalLocation"] = new JsonObject
                {
                    ["artifactLocation"] = new JsonObject { ["uri"] = f.Uri, ["uriBaseId"] = "ROOTPATH" },
                    ["region"] = new JsonObject { ["startLine"] = f.Line, ["startColumn"] = 1, ["endLine"] = f.Line, ["endColumn"] = 1 },
                },
            }),
            ["partialFingerprints"] = new JsonObject { ["primaryLocationLineHash"] = $"{hash}:{seen[hash]}" },
        }.With("properties", new JsonObject { ["kind"] = f.Kind }.With("layerDiffId", f.LayerDiffId));
    }

    /// <summary>GitHub's mapping: critical/high are errors, medium warnings, the rest notes.</summary>
    private static string Level(Severity s) => s switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    private static string Limit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>Uri-escapes each segment of an in-image path (keeps '/').</summary>
    private static string Uri(string path) =>
        string.Join('/', ReportFacts.ImagePath(path).Split('/').Select(System.Uri.EscapeDataString));

    private static IEnumerable<Finding> Collect(ScanReport report)
    {
        foreach (var v in report.Vulnerabilities)
        {
            var target = ReportFacts.VulnerabilityTarget(v, report);
            var fixedIn = v.FixedVersions.Count == 0 ? "none" : string.Join(", ", v.FixedVersions);
            var title = v.Title ?? $"{v.PackageName}: {v.Id}";
            var help = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"Vulnerability {v.Id}\nSeverity: {v.Severity.ToUpperName()}\nPackage: {v.PackageName}\n")
                .Append(CultureInfo.InvariantCulture, $"Installed Version: {v.InstalledVersion}\nFixed Version: {fixedIn}\n")
                .Append(v.Description is null ? string.Empty : "\n" + v.Description + "\n")
                .Append(v.FixAdvice is null ? string.Empty : "\nFix: " + v.FixAdvice + "\n")
                .ToString();
            var markdown = $"**Vulnerability {v.Id}**\n| Severity | Package | Installed Version | Fixed Version |\n|---|---|---|---|\n" +
                $"|{v.Severity.ToUpperName()}|{v.PackageName}|{v.InstalledVersion}|{fixedIn}|\n" +
                (v.Description is null ? string.Empty : "\n" + v.Description + "\n") +
                (v.References.Count == 0 ? string.Empty : "\n" + string.Join('\n', v.References.Select(r => $"- {r}")) + "\n");
            var tags = new List<string> { "vulnerability", "security", v.Severity.ToUpperName() };
            if (v.KnownExploited)
            {
                tags.Add("known-exploited");
            }

            yield return new Finding(
                v.Id, PackageClasses.IsOs(v.PackageType) ? "OsPackageVulnerability" : "LanguageSpecificPackageVulnerability",
                "vulnerability", v.Severity, ReportFacts.PreferredCvss(v), title, v.Description ?? title, help, markdown,
                v.References.FirstOrDefault(), tags,
                $"Package: {v.PackageName}\nInstalled Version: {v.InstalledVersion}\nVulnerability {v.Id}\nSeverity: {v.Severity.ToUpperName()}\nFixed Version: {fixedIn}",
                Uri(target), 1, v.LayerDiffId, $"{v.Id}|{v.PackageName}|{target}|{v.InstalledVersion}");
        }

        foreach (var s in report.Secrets)
        {
            var deleted = s.DeletedInLaterLayer ? " (file deleted in a later layer, still in the image)" : string.Empty;
            yield return new Finding(
                s.RuleId, "Secret", "secret", s.Severity, null, s.Title, $"{s.Title}: a secret ({s.Category ?? "generic"}) is stored in the image.",
                $"Secret {s.Title} found in {s.Path}{deleted}. Remove it from the image and rotate it.",
                $"**Secret {s.Title}**\n\nFound in `{s.Path}`{deleted}: `{s.Masked}`\n\nRemove it from the image and rotate the credential.",
                null, ["secret", "security", s.Severity.ToUpperName()],
                $"Secret {s.Title} in {s.Path}{deleted}: {s.Snippet ?? s.Masked}",
                Uri(s.Path), s.Line ?? 1, s.LayerDiffId, $"{s.RuleId}|{s.Path}|{s.Line}|{s.Masked}");
        }

        foreach (var m in report.Malware)
        {
            var signature = m.Signatures.Order(StringComparer.Ordinal).FirstOrDefault() ?? m.Category;
            var evidence = m.Evidence.Count == 0 ? string.Empty : "\nEvidence: " + string.Join("; ", m.Evidence);
            yield return new Finding(
                signature, "Malware", "malware", m.Severity, null, $"Malware: {signature} ({m.Category})",
                $"File matched {signature} ({m.Category}) by {string.Join(", ", m.Engines)}.",
                $"Malware {signature} ({m.Category}) in {m.Path}, sha256 {m.Sha256}.{evidence}",
                $"**Malware {signature}** ({m.Category})\n\nFile `{m.Path}`, sha256 `{m.Sha256}`, engines: {string.Join(", ", m.Engines)}.{evidence}",
                null, ["malware", "security", m.Severity.ToUpperName()],
                $"Malware {signature} ({m.Category}) in {m.Path}{evidence}",
                Uri(m.Path), 1, m.LayerDiffId, $"{signature}|{m.Path}|{m.Sha256}");
        }

        foreach (var c in report.Misconfigurations)
        {
            var (path, line) = ReportFacts.SplitLocation(c.Location);
            yield return new Finding(
                c.CheckId, "Misconfiguration", "misconfiguration", c.Severity, null, c.Title, c.Rationale ?? c.Title,
                $"{c.Title}\n{c.Message}" + (c.Fix is null ? string.Empty : $"\nFix: {c.Fix}"),
                $"**{c.CheckId}: {c.Title}**\n\n{c.Message}" + (c.Rationale is null ? string.Empty : $"\n\n{c.Rationale}") + (c.Fix is null ? string.Empty : $"\n\n**Fix:** {c.Fix}"),
                null, ["misconfiguration", "security", c.Severity.ToUpperName()],
                $"{c.CheckId}: {c.Message}", Uri(path.Length == 0 ? "config.json" : path), line ?? 1, c.LayerDiffId, $"{c.CheckId}|{c.Location}|{c.Message}");
        }
    }
}
