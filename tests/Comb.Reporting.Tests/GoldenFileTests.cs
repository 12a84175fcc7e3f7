using Comb.Contracts;
using Comb.Testing;

namespace Comb.Reporting.Tests;

/// <summary>
/// Every format rendered from the sample report must match its golden file byte for byte.
/// Regenerate with COMB_UPDATE_GOLDEN=1 after an intended change, and review the diff.
/// </summary>
public sealed class GoldenFileTests
{
    public static TheoryData<string> Formats() => [.. ReportWriters.All().Select(w => w.Format)];

    private static string GoldenPath(string format) => Path.Combine(RepoRoot.Require(), "tests", "Comb.Reporting.Tests", "Golden", format switch
    {
        "table" => "report.table.txt",
        "junit" => "report.junit.xml",
        "json" => "report.json",
        _ => $"report.{format}.json",
    });

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Output_matches_the_golden_file(string format)
    {
        var actual = await SampleReport.RenderAsync(ReportWriters.For(format), SampleReport.Create());
        var path = GoldenPath(format);
        if (Environment.GetEnvironmentVariable("COMB_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, actual, TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(path), $"Golden file {path} missing; run with COMB_UPDATE_GOLDEN=1 to create it.");
        Assert.Equal(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken), actual);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Output_does_not_depend_on_input_order(string format)
    {
        var report = SampleReport.Create();
        var shuffled = report with
        {
            PackageSets = [.. report.PackageSets.Reverse().Select(s => s with { Packages = [.. s.Packages.Reverse()] })],
            Vulnerabilities = [.. report.Vulnerabilities.Reverse()],
            Secrets = [.. report.Secrets.Reverse()],
            Malware = [.. report.Malware.Reverse()],
            Misconfigurations = [.. report.Misconfigurations.Reverse()],
        };
        var writer = ReportWriters.For(format);

        Assert.Equal(await SampleReport.RenderAsync(writer, report), await SampleReport.RenderAsync(writer, shuffled));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Renders_a_report_with_no_findings(string format)
    {
        var text = await SampleReport.RenderAsync(ReportWriters.For(format), SampleReport.Empty());

        Assert.False(string.IsNullOrWhiteSpace(text));
    }

    [Fact]
    public void Registration_offers_one_writer_per_format()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddCombReporting();
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var writers = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetServices<IReportWriter>(provider).ToList();

        Assert.Equal(["cyclonedx", "gitlab", "json", "junit", "sarif", "spdx", "table"], writers.Select(w => w.Format).Order(StringComparer.Ordinal));
        Assert.Throws<CombInputException>(() => ReportWriters.For("pdf"));
    }

    [Fact]
    public void The_format_list_names_each_writer_once_with_its_file_and_content_type()
    {
        Assert.All(ReportFormats.All, f => Assert.Equal(f.Name, f.Create(null).Format));
        Assert.Equal(ReportFormats.Names.Count, ReportFormats.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(ReportFormats.All.Count, ReportFormats.All.Select(f => f.Extension).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(".cdx.json", ReportFormats.Find("CycloneDX")?.Extension);
        Assert.Null(ReportFormats.Find("pdf"));

        // comb sbom: the SBOM standards first, never a findings-only format
        Assert.Equal(["cyclonedx", "spdx", "table", "json"], ReportFormats.SbomNames);
    }
}
