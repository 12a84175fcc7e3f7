using System.Text.Json;
using Comb.Contracts;

namespace Comb.Reporting.Tests;

public sealed class JsonReportTests
{
    [Fact]
    public async Task A_stored_report_loads_back_to_the_same_content()
    {
        var json = await SampleReport.RenderAsync(new JsonReportWriter(), SampleReport.Create());

        var loaded = ReportJson.Deserialize(json);

        Assert.Equal(json, await SampleReport.RenderAsync(new JsonReportWriter(), loaded));
        Assert.Equal(4, loaded.Vulnerabilities.Count);
        Assert.Equal(Severity.Critical, loaded.Vulnerabilities.Single(v => v.Id == "CVE-2024-5535").Severity);
        Assert.Equal(8, loaded.Packages.Count());
    }

    [Fact]
    public async Task Uses_camel_case_string_enums_and_no_derived_package_list()
    {
        var json = await SampleReport.RenderAsync(new JsonReportWriter(), SampleReport.Create());
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;

        Assert.Equal(ScanReport.CurrentSchemaVersion, root.GetProperty("schemaVersion").GetInt32());
        Assert.False(root.TryGetProperty("packages", out _));
        var libssl = root.GetProperty("vulnerabilities").EnumerateArray().Single(v => v.GetProperty("id").GetString() == "CVE-2024-5535");
        Assert.Equal("Critical", libssl.GetProperty("severity").GetString());
        Assert.Equal("3.0.13-1~deb12u1", libssl.GetProperty("installedVersion").GetString());
        Assert.Equal("sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", root.GetProperty("image").GetProperty("configDigest").GetString());
        // Image config keeps the OCI spelling.
        Assert.True(root.GetProperty("image").GetProperty("config").GetProperty("config").TryGetProperty("Env", out _));
    }

    [Fact]
    public async Task Untyped_config_maps_such_as_volumes_and_ports_are_written_and_read_back()
    {
        // Volumes and ExposedPorts hold "{}" per key in real image configs: JsonElement once read, empty objects in code.
        var configJson = "{\"User\":\"app\",\"Volumes\":{\"/data\":{}},\"ExposedPorts\":{\"8080/tcp\":{}}}";
        var fromImage = JsonSerializer.Deserialize<ContainerConfig>(configJson)!;
        var sample = SampleReport.Create();
        var report = sample with { Image = sample.Image with { Config = sample.Image.Config! with { Config = fromImage } } };

        var json = await SampleReport.RenderAsync(new JsonReportWriter(), report);
        var loaded = ReportJson.Deserialize(json);

        Assert.Equal(["/data"], loaded.Image.Config!.Config!.Volumes!.Keys);
        Assert.Equal(["8080/tcp"], loaded.Image.Config.Config.ExposedPorts!.Keys);
        Assert.Equal(json, await SampleReport.RenderAsync(new JsonReportWriter(), loaded));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{ not json")]
    [InlineData("{\"createdAt\": \"2026-01-01T00:00:00Z\"}")]
    public void Rejects_text_that_is_not_a_report(string text)
    {
        Assert.Throws<CombInputException>(() => ReportJson.Deserialize(text));
    }
}
