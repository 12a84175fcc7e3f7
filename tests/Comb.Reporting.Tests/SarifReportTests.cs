using System.Globalization;
using System.Text.Json;

namespace Comb.Reporting.Tests;

/// <summary>Checks the rules GitHub code scanning enforces on an upload (required, non-empty properties; limits).</summary>
public sealed class SarifReportTests
{
    private static async Task<JsonElement> RenderAsync(Comb.Contracts.ScanReport report)
    {
        var text = await SampleReport.RenderAsync(new SarifReportWriter(), report);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Text(JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            Assert.True(e.TryGetProperty(p, out e), $"missing {string.Join('.', path)}");
        }

        var s = e.GetString();
        Assert.False(string.IsNullOrEmpty(s), $"empty {string.Join('.', path)}");
        return s!;
    }

    [Fact]
    public async Task Has_everything_github_requires()
    {
        var log = await RenderAsync(SampleReport.Create());

        Assert.Equal("2.1.0", Text(log, "version"));
        Text(log, "$schema");
        var run = Assert.Single(log.GetProperty("runs").EnumerateArray());
        Assert.Equal("Comb", Text(run, "tool", "driver", "name"));
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(rules);
        Assert.Equal(4 + 3 + 2 + 3, results.Count);

        var ids = rules.Select(r => Text(r, "id")).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        foreach (var rule in rules)
        {
            Assert.InRange(Text(rule, "shortDescription", "text").Length, 1, 1024);
            Assert.InRange(Text(rule, "fullDescription", "text").Length, 1, 1024);
            Text(rule, "help", "text");
            Text(rule, "help", "markdown");
            Assert.Contains(Text(rule, "defaultConfiguration", "level"), new[] { "note", "warning", "error" });
            var props = rule.GetProperty("properties");
            var score = double.Parse(Text(props, "security-severity"), CultureInfo.InvariantCulture);
            Assert.InRange(score, 0.1, 10.0);
            Assert.Matches(@"^\d+\.\d$", Text(props, "security-severity"));
            var tags = props.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToList();
            Assert.Contains("security", tags);
            Assert.InRange(tags.Count, 1, 20);
        }

        foreach (var result in results)
        {
            var ruleId = Text(result, "ruleId");
            Assert.Equal(ruleId, Text(rules[result.GetProperty("ruleIndex").GetInt32()], "id"));
            Assert.Contains(Text(result, "level"), new[] { "note", "warning", "error" });
            Text(result, "message", "text");
            var location = result.GetProperty("locations")[0].GetProperty("physicalLocation");
            var uri = Text(location, "artifactLocation", "uri");
            Assert.False(uri.StartsWith('/'), uri);
            Assert.DoesNotContain("\\", uri, StringComparison.Ordinal);
            var region = location.GetProperty("region");
            foreach (var key in new[] { "startLine", "startColumn", "endLine", "endColumn" })
            {
                Assert.True(region.GetProperty(key).GetInt32() >= 1, key);
            }

            Assert.Matches("^[0-9a-f]{16}:[0-9]+$", Text(result, "partialFingerprints", "primaryLocationLineHash"));
        }
    }

    [Fact]
    public async Task Maps_each_finding_kind_to_a_stable_rule_and_location()
    {
        var log = await RenderAsync(SampleReport.Create());
        var results = log.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        JsonElement For(string ruleId) => results.First(r => r.GetProperty("ruleId").GetString() == ruleId);
        string Uri(JsonElement r) => r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!;
        int Line(JsonElement r) => r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32();

        var vuln = For("CVE-2024-5535");
        Assert.Equal("var/lib/dpkg/status", Uri(vuln));
        Assert.Equal("error", vuln.GetProperty("level").GetString());
        Assert.Equal("sha256:1111111111111111111111111111111111111111111111111111111111111111", vuln.GetProperty("properties").GetProperty("layerDiffId").GetString());

        var secret = For("aws-access-key-id");
        Assert.Equal("app/config/.env", Uri(secret));
        Assert.Equal(3, Line(secret));

        Assert.Equal("var/www/html/shell.php", Uri(For("Webshell.PHP.Generic")));
        Assert.Equal("config.json", Uri(For("CIS-DI-0001")));
        Assert.Equal("Dockerfile", Uri(For("CIS-DI-0005")));
        Assert.Equal(12, Line(For("CIS-DI-0005")));
        Assert.Equal("ENV", Uri(For("CIS-DI-0010")));

        // The zlib finding names no path: it is placed on the package database that declares the package.
        Assert.Equal("var/lib/dpkg/status", Uri(For("CVE-2023-45853")));

        var rules = log.GetProperty("runs")[0].GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
        string Severity(string id) => rules.Single(r => r.GetProperty("id").GetString() == id).GetProperty("properties").GetProperty("security-severity").GetString()!;
        Assert.Equal("9.1", Severity("CVE-2024-5535"));        // NVD v3.1 score
        Assert.Equal("7.5", Severity("GHSA-hrpp-h998-j3pp"));  // v3.1 preferred over v4.0
        Assert.Equal("5.0", Severity("GO-2023-1571"));         // only v2 known
        Assert.Equal("2.0", Severity("CVE-2023-45853"));       // LOW without CVSS
    }

    [Fact]
    public async Task Fingerprints_stay_the_same_across_runs()
    {
        static IEnumerable<string> Prints(JsonElement log) => log.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("partialFingerprints").GetProperty("primaryLocationLineHash").GetString()!);

        var first = await RenderAsync(SampleReport.Create());
        var second = await RenderAsync(SampleReport.Create() with { CreatedAt = DateTimeOffset.UnixEpoch, ScanId = "other" });

        Assert.Equal(Prints(first), Prints(second));
    }
}
