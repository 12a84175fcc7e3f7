using System.Text.Json;
using System.Text.RegularExpressions;

namespace Comb.Reporting.Tests;

/// <summary>
/// The GitLab container-scanning report against the fields GitLab's security report schema 15.x requires: a scan with
/// analyzer, scanner, type, zone-less times and status; per vulnerability an id, identifiers and a location with
/// dependency, operating system and image; severities from GitLab's scale.
/// </summary>
public sealed partial class GitlabReportTests
{
    private static readonly string[] Severities = ["Info", "Unknown", "Low", "Medium", "High", "Critical"];

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")]
    private static partial Regex SchemaTime();

    private static async Task<JsonElement> RenderAsync(Comb.Contracts.ScanReport report) =>
        JsonDocument.Parse(await SampleReport.RenderAsync(new GitlabReportWriter(), report)).RootElement.Clone();

    [Fact]
    public async Task Every_vulnerability_carries_the_fields_the_schema_requires()
    {
        var report = await RenderAsync(SampleReport.Create());

        Assert.Matches(@"^15\.\d+\.\d+$", report.GetProperty("version").GetString()!);
        var scan = report.GetProperty("scan");
        Assert.Equal("container_scanning", scan.GetProperty("type").GetString());
        Assert.Equal("success", scan.GetProperty("status").GetString());
        foreach (var part in new[] { "analyzer", "scanner" })
        {
            Assert.Equal("comb", scan.GetProperty(part).GetProperty("id").GetString());
            Assert.Equal("Comb", scan.GetProperty(part).GetProperty("vendor").GetProperty("name").GetString());
        }

        Assert.Matches(SchemaTime(), scan.GetProperty("start_time").GetString()!);
        Assert.Matches(SchemaTime(), scan.GetProperty("end_time").GetString()!);

        var vulnerabilities = report.GetProperty("vulnerabilities").EnumerateArray().ToList();
        Assert.Equal(4, vulnerabilities.Count);
        Assert.Equal(4, vulnerabilities.Select(v => v.GetProperty("id").GetString()).Distinct().Count());
        foreach (var vulnerability in vulnerabilities)
        {
            Assert.Contains(vulnerability.GetProperty("severity").GetString(), Severities);
            Assert.NotEmpty(vulnerability.GetProperty("identifiers").EnumerateArray());
            foreach (var identifier in vulnerability.GetProperty("identifiers").EnumerateArray())
            {
                Assert.All(new[] { "type", "name", "value" }, f => Assert.False(string.IsNullOrEmpty(identifier.GetProperty(f).GetString())));
            }

            var location = vulnerability.GetProperty("location");
            Assert.False(string.IsNullOrEmpty(location.GetProperty("dependency").GetProperty("package").GetProperty("name").GetString()));
            Assert.False(string.IsNullOrEmpty(location.GetProperty("dependency").GetProperty("version").GetString()));
            Assert.Equal("debian 12.8", location.GetProperty("operating_system").GetString());
            Assert.Equal("registry.example/team/app:1.4", location.GetProperty("image").GetString());
        }

        var openssl = vulnerabilities.Single(v => v.GetProperty("identifiers")[0].GetProperty("value").GetString() == "CVE-2024-5535");
        Assert.Equal("Critical", openssl.GetProperty("severity").GetString());
        Assert.Equal(["cve", "dsa"], openssl.GetProperty("identifiers").EnumerateArray().Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("https://nvd.nist.gov/vuln/detail/CVE-2024-5535", openssl.GetProperty("identifiers")[0].GetProperty("url").GetString());
        Assert.Equal("libssl3", openssl.GetProperty("location").GetProperty("dependency").GetProperty("package").GetProperty("name").GetString());
        Assert.Contains("3.0.15-1~deb12u1", openssl.GetProperty("solution").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clean_image_is_a_successful_scan_with_no_vulnerabilities()
    {
        var report = await RenderAsync(SampleReport.Empty());

        Assert.Equal(0, report.GetProperty("vulnerabilities").GetArrayLength());
        Assert.Equal("success", report.GetProperty("scan").GetProperty("status").GetString());
    }
}
