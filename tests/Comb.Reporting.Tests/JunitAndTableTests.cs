using Comb.Contracts;
using System.Xml.Linq;

namespace Comb.Reporting.Tests;

public sealed class JunitAndTableTests
{
    [Fact]
    public async Task Junit_has_a_failing_case_per_finding_and_consistent_counts()
    {
        var xml = XDocument.Parse(await SampleReport.RenderAsync(new JunitReportWriter(), SampleReport.Create()));
        var root = xml.Root!;
        var suites = root.Elements("testsuite").ToList();

        Assert.Equal("testsuites", root.Name.LocalName);
        foreach (var suite in suites)
        {
            var cases = suite.Elements("testcase").ToList();
            Assert.Equal((int)suite.Attribute("tests")!, cases.Count);
            Assert.Equal((int)suite.Attribute("failures")!, cases.Count(c => c.Element("failure") is not null));
        }

        Assert.Equal((int)root.Attribute("tests")!, suites.Sum(s => s.Elements("testcase").Count()));
        int Failures(string name) => suites.Where(s => ((string)s.Attribute("name")!).StartsWith(name, StringComparison.Ordinal))
            .Sum(s => s.Elements("testcase").Count(c => c.Element("failure") is not null));
        Assert.Equal(4, Failures("vulnerabilities"));
        Assert.Equal(3, Failures("secrets"));
        Assert.Equal(2, Failures("malware"));
        Assert.Equal(3, Failures("misconfigurations"));
        Assert.Equal(1, Failures("trust"));
        Assert.Equal(2, Failures("policy")); // the blocking rule and the decision
    }

    [Fact]
    public async Task Junit_passes_when_nothing_was_found()
    {
        var xml = XDocument.Parse(await SampleReport.RenderAsync(new JunitReportWriter(), SampleReport.Empty()));

        Assert.Equal(0, (int)xml.Root!.Attribute("failures")!);
        Assert.True((int)xml.Root.Attribute("tests")! >= 4);
    }

    [Fact]
    public async Task Table_renders_without_a_terminal_at_a_fixed_width()
    {
        var text = await SampleReport.RenderAsync(new TableReportWriter(new TableWriterOptions { Width = 120 }), SampleReport.Create());

        Assert.DoesNotContain("\u001b", text, StringComparison.Ordinal);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 120, $"line too wide ({line.Length}): {line}"));
        Assert.Contains("var/lib/dpkg/status (dpkg, OS packages)", text, StringComparison.Ordinal);
        Assert.Contains("Total: 2 (UNKNOWN: 0, LOW: 1, MEDIUM: 0, HIGH: 0, CRITICAL: 1)", text, StringComparison.Ordinal);
        Assert.Contains("app/package-lock.json (npm)", text, StringComparison.Ordinal);
        Assert.Contains("CVE-2024-5535", text, StringComparison.Ordinal);
        Assert.Contains("GO-2023-1571 (KEV)", text, StringComparison.Ordinal);
        Assert.Contains("AKIA************MPLE", text, StringComparison.Ordinal);
        Assert.Contains("shell.php", text, StringComparison.Ordinal);
        Assert.Contains("CIS-DI-0001", text, StringComparison.Ordinal);
        Assert.Contains("Trusted: NO", text, StringComparison.Ordinal);
        Assert.Contains("Decision: BLOCK", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("var/lib/dpkg/status (dpkg", StringComparison.Ordinal) < text.IndexOf("app/package-lock.json (npm)", StringComparison.Ordinal),
            "OS packages come first");
        Assert.True(text.IndexOf("Secrets", StringComparison.Ordinal) < text.IndexOf("Malware", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Table_prints_a_section_only_for_targets_with_findings()
    {
        var report = SampleReport.Create();
        var clean = Enumerable.Range(0, 5).Select(i => new PackageSet
        {
            FilePath = $"app/lib{i}/package.json",
            Kind = "npm",
            Packages = [new Package { Name = $"lib{i}", Version = "1.0.0", Type = PackageTypes.Npm, Path = $"app/lib{i}/package.json", FoundBy = "npm-package" }],
        });
        var text = await SampleReport.RenderAsync(new TableReportWriter(new TableWriterOptions { Width = 120 }),
            report with { PackageSets = [.. report.PackageSets, .. clean] });

        Assert.DoesNotContain("app/lib0/package.json", text, StringComparison.Ordinal);
        Assert.Contains("app/package-lock.json (npm)", text, StringComparison.Ordinal);
        Assert.Contains("Vulnerabilities: none in 5 other targets", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Table_uses_colour_only_when_asked()
    {
        var text = await SampleReport.RenderAsync(new TableReportWriter(new TableWriterOptions { Ansi = true }), SampleReport.Create());

        Assert.Contains("\u001b[", text, StringComparison.Ordinal);
    }
}
