using System.Globalization;
using System.Text;
using System.Xml;
using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>
/// JUnit XML for CI dashboards: a test suite per finding kind and target, a failing test case per finding, and a
/// passing case where a suite found nothing.
/// </summary>
public sealed class JunitReportWriter : IReportWriter
{
    public string Format => "junit";

    private sealed record Case(string ClassName, string Name, string? FailureMessage, string? FailureType, string? Details);

    private sealed record Suite(string Name, IReadOnlyList<Case> Cases);

    public async Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken)
    {
        report = ReportSorter.Sort(report);
        var suites = Suites(report).ToList();
        var settings = new XmlWriterSettings
        {
            Async = true,
            Indent = true,
            IndentChars = "  ",
            Encoding = new UTF8Encoding(false),
            NewLineChars = "\n",
            CloseOutput = false,
        };

        await using var xml = XmlWriter.Create(output, settings);
        await xml.WriteStartDocumentAsync();
        await xml.WriteStartElementAsync(null, "testsuites", null);
        await xml.WriteAttributeStringAsync(null, "name", null, $"comb {ReportFacts.ImageName(report.Image)}");
        await xml.WriteAttributeStringAsync(null, "tests", null, Count(suites.Sum(s => s.Cases.Count)));
        await xml.WriteAttributeStringAsync(null, "failures", null, Count(suites.Sum(s => s.Cases.Count(c => c.FailureMessage is not null))));
        await xml.WriteAttributeStringAsync(null, "errors", null, "0");
        foreach (var suite in suites)
        {
            await xml.WriteStartElementAsync(null, "testsuite", null);
            await xml.WriteAttributeStringAsync(null, "name", null, suite.Name);
            await xml.WriteAttributeStringAsync(null, "tests", null, Count(suite.Cases.Count));
            await xml.WriteAttributeStringAsync(null, "failures", null, Count(suite.Cases.Count(c => c.FailureMessage is not null)));
            await xml.WriteAttributeStringAsync(null, "errors", null, "0");
            await xml.WriteAttributeStringAsync(null, "skipped", null, "0");
            await xml.WriteAttributeStringAsync(null, "timestamp", null, report.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
            foreach (var c in suite.Cases)
            {
                await xml.WriteStartElementAsync(null, "testcase", null);
                await xml.WriteAttributeStringAsync(null, "classname", null, c.ClassName);
                await xml.WriteAttributeStringAsync(null, "name", null, c.Name);
                await xml.WriteAttributeStringAsync(null, "time", null, "0");
                if (c.FailureMessage is not null)
                {
                    await xml.WriteStartElementAsync(null, "failure", null);
                    await xml.WriteAttributeStringAsync(null, "message", null, c.FailureMessage);
                    await xml.WriteAttributeStringAsync(null, "type", null, c.FailureType ?? "finding");
                    await xml.WriteStringAsync(c.Details ?? c.FailureMessage);
                    await xml.WriteEndElementAsync();
                }

                await xml.WriteEndElementAsync();
            }

            await xml.WriteEndElementAsync();
        }

        await xml.WriteEndElementAsync();
        await xml.WriteEndDocumentAsync();
        await xml.FlushAsync();
        await output.WriteAsync("\n"u8.ToArray(), cancellationToken);
    }

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<Suite> Suites(ScanReport report)
    {
        var image = ReportFacts.ImageName(report.Image);

        // Vulnerabilities: one suite per target (OS package DB, each lock file or binary).
        var targets = report.PackageSets.Select(s => ReportFacts.ImagePath(s.FilePath))
            .Concat(report.Vulnerabilities.Select(v => ReportFacts.VulnerabilityTarget(v, report)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (targets.Count == 0)
        {
            targets.Add(image);
        }

        foreach (var target in targets)
        {
            var cases = report.Vulnerabilities.Where(v => ReportFacts.VulnerabilityTarget(v, report) == target)
                .Select(v => new Case($"vulnerabilities.{target}", $"[{v.Severity.ToUpperName()}] {v.Id} {v.PackageName} {v.InstalledVersion}",
                    $"{v.PackageName} {v.InstalledVersion}: {v.Id} ({v.Severity.ToUpperName()})" +
                    (v.FixedVersions.Count == 0 ? ", no fix yet" : $", fixed in {string.Join(", ", v.FixedVersions)}"),
                    v.Severity.ToUpperName(),
                    string.Join('\n', new[] { v.Title, v.Description, v.FixAdvice, v.References.FirstOrDefault() }.Where(x => x is not null))))
                .ToList();
            yield return new Suite($"vulnerabilities: {target}", Pass(cases, $"vulnerabilities.{target}", "no vulnerabilities found"));
        }

        yield return new Suite("secrets", Pass(
            [.. report.Secrets.Select(s => new Case($"secrets.{s.Path}", $"[{s.Severity.ToUpperName()}] {s.RuleId} {s.Path}{(s.Line is null ? string.Empty : ":" + s.Line.Value.ToString(CultureInfo.InvariantCulture))}",
                $"{s.Title} in {s.Path}{(s.DeletedInLaterLayer ? " (deleted in a later layer)" : string.Empty)}", s.Severity.ToUpperName(), s.Snippet ?? s.Masked))],
            "secrets", "no secrets found"));

        yield return new Suite("malware", Pass(
            [.. report.Malware.Select(m => new Case($"malware.{m.Path}", $"[{m.Severity.ToUpperName()}] {string.Join(", ", m.Signatures)} {m.Path}",
                $"{m.Category} in {m.Path} ({string.Join(", ", m.Engines)})", m.Severity.ToUpperName(),
                $"sha256 {m.Sha256}" + (m.Evidence.Count == 0 ? string.Empty : "\n" + string.Join('\n', m.Evidence))))],
            "malware", "no malware found"));

        yield return new Suite("misconfigurations", Pass(
            [.. report.Misconfigurations.Select(c => new Case($"misconfigurations.{c.CheckId}", $"[{c.Severity.ToUpperName()}] {c.CheckId} {c.Location}",
                $"{c.Title}: {c.Message}", c.Severity.ToUpperName(), c.Fix is null ? c.Message : $"{c.Message}\nFix: {c.Fix}"))],
            "misconfigurations", "no misconfigurations found"));

        if (report.Trust is { } trust)
        {
            yield return new Suite("trust", [new Case("trust", $"image trust (signature {trust.SignatureStatus})",
                trust.Trusted ? null : "image is not trusted", trust.Trusted ? null : "untrusted", string.Join('\n', trust.Reasons))]);
        }

        if (report.Policy is { } policy)
        {
            var cases = policy.Fired.Select(r => new Case($"policy.{policy.PolicyName ?? "policy"}", $"[{r.Action}] {r.RuleId}",
                r.Action == "block" ? r.Message : null, r.Action, string.Join('\n', r.Matches.Prepend(r.Message)))).ToList();
            cases.Add(new Case($"policy.{policy.PolicyName ?? "policy"}", $"decision {policy.Decision}",
                policy.Decision == "block" ? "policy blocked the image" : null, "block", null));
            yield return new Suite("policy", cases);
        }
    }

    private static IReadOnlyList<Case> Pass(IReadOnlyList<Case> cases, string className, string name) =>
        cases.Count > 0 ? cases : [new Case(className, name, null, null, null)];
}
