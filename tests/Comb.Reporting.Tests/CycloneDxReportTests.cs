using System.Text.Json;
using System.Text.Json.Nodes;
using Comb.Testing;
using Json.Schema;

namespace Comb.Reporting.Tests;

public sealed class CycloneDxReportTests
{
    private static readonly Lazy<JsonSchema> BomSchema = new(LoadSchema);

    private static JsonSchema LoadSchema()
    {
        var dir = Path.Combine(RepoRoot.Require(), "tests", "Comb.Reporting.Tests", "Schemas");
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        foreach (var dependency in new[] { "spdx.schema.json", "jsf-0.82.schema.json" })
        {
            var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(dir, dependency)), options);
            options.SchemaRegistry.Register(new Uri("http://cyclonedx.org/schema/" + dependency), schema);
        }

        return JsonSchema.FromText(File.ReadAllText(Path.Combine(dir, "bom-1.6.schema.json")), options);
    }

    private static void AssertValid(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = BomSchema.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        var errors = (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}")).Take(20);
        Assert.True(result.IsValid, "CycloneDX 1.6 schema violations:\n" + string.Join('\n', errors));
    }

    [Fact]
    public async Task Validates_against_the_cyclonedx_1_6_schema()
    {
        AssertValid(await SampleReport.RenderAsync(new CycloneDxReportWriter(), SampleReport.Create()));
        AssertValid(await SampleReport.RenderAsync(new CycloneDxReportWriter(), SampleReport.Empty()));
    }

    [Fact]
    public async Task A_component_named_by_several_files_lists_each_as_an_occurrence()
    {
        var report = SampleReport.Create();
        var sets = report.PackageSets.Select(s => s.Kind != "npm" ? s : s with
        {
            Packages = [.. s.Packages.Select(p => p.Name == "qs" ? p with { OtherPaths = ["app/node_modules/.package-lock.json"] } : p)],
        }).ToList();
        var json = await SampleReport.RenderAsync(new CycloneDxReportWriter(), report with { PackageSets = sets });

        AssertValid(json);
        var qs = JsonNode.Parse(json)!["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "qs")!;
        Assert.Equal(["app/package-lock.json", "app/node_modules/.package-lock.json"],
            qs["evidence"]!["occurrences"]!.AsArray().Select(o => o!["location"]!.GetValue<string>()));
    }

    [Fact]
    public void The_schema_check_catches_an_invalid_bom()
    {
        using var doc = JsonDocument.Parse("""{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"x"}]}""");

        Assert.False(BomSchema.Value.Evaluate(doc.RootElement).IsValid);
    }

    [Fact]
    public async Task Links_every_reference_to_a_component_that_exists()
    {
        var bom = JsonNode.Parse(await SampleReport.RenderAsync(new CycloneDxReportWriter(), SampleReport.Create()))!;
        var refs = bom["components"]!.AsArray().Select(c => c!["bom-ref"]!.GetValue<string>())
            .Append(bom["metadata"]!["component"]!["bom-ref"]!.GetValue<string>()).ToList();

        Assert.Equal(refs.Count, refs.Distinct(StringComparer.Ordinal).Count());
        foreach (var dep in bom["dependencies"]!.AsArray())
        {
            Assert.Contains(dep!["ref"]!.GetValue<string>(), refs);
            foreach (var target in dep["dependsOn"]!.AsArray())
            {
                Assert.Contains(target!.GetValue<string>(), refs);
            }
        }

        var vulns = bom["vulnerabilities"]!.AsArray();
        Assert.Equal(4, vulns.Count);
        foreach (var affect in vulns.SelectMany(v => v!["affects"]!.AsArray()))
        {
            Assert.Contains(affect!["ref"]!.GetValue<string>(), refs);
        }

        var express = bom["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "express")!;
        var expressDeps = bom["dependencies"]!.AsArray().Single(d => d!["ref"]!.GetValue<string>() == express["bom-ref"]!.GetValue<string>())!;
        Assert.Equal(["pkg:npm/qs@6.7.0"], expressDeps["dependsOn"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task Carries_ratings_cwes_layers_and_licenses()
    {
        var bom = JsonNode.Parse(await SampleReport.RenderAsync(new CycloneDxReportWriter(), SampleReport.Create()))!;
        var libssl = bom["vulnerabilities"]!.AsArray().Single(v => v!["id"]!.GetValue<string>() == "CVE-2024-5535")!;

        var nvd = libssl["ratings"]!.AsArray().First(r => r!["source"]!["name"]!.GetValue<string>() == "nvd")!;
        Assert.Equal(9.1, nvd["score"]!.GetValue<double>());
        Assert.Equal("critical", nvd["severity"]!.GetValue<string>());
        Assert.Equal("CVSSv31", nvd["method"]!.GetValue<string>());
        Assert.Equal([200], libssl["cwes"]!.AsArray().Select(n => n!.GetValue<int>()));

        var component = bom["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "libssl3")!;
        var props = component["properties"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["value"]!.GetValue<string>());
        Assert.Equal("sha256:1111111111111111111111111111111111111111111111111111111111111111", props["comb:layer:diffID"]);
        Assert.Equal("var/lib/dpkg/status", props["comb:path"]);
        Assert.Equal("dpkg", props["comb:foundBy"]);
        Assert.Equal("Apache-2.0", component["licenses"]![0]!["license"]!["id"]!.GetValue<string>());

        var bash = bom["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "bash")!;
        Assert.Equal("GPL-3+", bash["licenses"]![0]!["license"]!["name"]!.GetValue<string>());
        var tool = bom["components"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "@scope/tool")!;
        Assert.Equal("MIT OR Apache-2.0", tool["licenses"]![0]!["expression"]!.GetValue<string>());
    }
}
