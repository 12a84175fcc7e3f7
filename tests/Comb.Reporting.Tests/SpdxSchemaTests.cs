using System.Text.Json;
using Comb.Testing;
using Json.Schema;

namespace Comb.Reporting.Tests;

/// <summary>Comb's SPDX output against the official SPDX 2.3 JSON schema (Schemas/README.md says where it comes from).</summary>
public sealed class SpdxSchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(RepoRoot.Require(), "tests", "Comb.Reporting.Tests", "Schemas", "spdx-2.3.schema.json")),
            new BuildOptions { SchemaRegistry = new SchemaRegistry() }));

    private static EvaluationResults Evaluate(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Schema.Value.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static void AssertValid(string json)
    {
        var result = Evaluate(json);
        var errors = (result.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}")).Take(20);
        Assert.True(result.IsValid, "SPDX 2.3 schema violations:\n" + string.Join('\n', errors));
    }

    [Fact]
    public async Task A_full_report_validates_against_the_spdx_2_3_schema()
    {
        // Given a report with OS and language packages, licences (listed, expressions, unlisted), purls, dependencies and layers
        var json = await SampleReport.RenderAsync(new SpdxReportWriter(), SampleReport.Create());

        // Then the document satisfies the schema
        AssertValid(json);
    }

    [Fact]
    public async Task An_empty_report_validates_too() =>
        AssertValid(await SampleReport.RenderAsync(new SpdxReportWriter(), SampleReport.Empty()));

    [Theory]
    [InlineData("""{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://x/y"}""")]
    [InlineData("""{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://x/y","creationInfo":{"created":"2026-11-26 10:00","creators":["Tool: x"]}}""")]
    [InlineData("""{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://x/y","creationInfo":{"created":"2026-11-26T10:00:00Z","creators":["Tool: x"]},"packages":[{"SPDXID":"SPDXRef-a_b","name":"a","downloadLocation":"NOASSERTION"}]}""")]
    [InlineData("""{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://x/y","creationInfo":{"created":"2026-11-26T10:00:00Z","creators":["Tool: x"]},"packages":[{"SPDXID":"SPDXRef-a","name":"a"}]}""")]
    [InlineData("""{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"x","documentNamespace":"https://x/y","creationInfo":{"created":"2026-11-26T10:00:00Z","creators":["Tool: x"]},"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"HAS","relatedSpdxElement":"SPDXRef-a"}]}""")]
    public void The_schema_check_catches_invalid_documents(string json) =>
        // Missing creationInfo, a date that is not UTC ISO 8601, an SPDXID with '_', a package without downloadLocation, an unknown relationship
        Assert.False(Evaluate(json).IsValid);
}
