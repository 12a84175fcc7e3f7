using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Comb.Reporting.Tests;

/// <summary>Structural checks of the SPDX 2.3 rules (required fields, id syntax, references, license syntax).</summary>
public sealed partial class SpdxReportTests
{
    [GeneratedRegex("^SPDXRef-[A-Za-z0-9.-]+$")]
    private static partial Regex SpdxIdPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex CreatedPattern();

    private static async Task<JsonNode> RenderAsync(Comb.Contracts.ScanReport report) =>
        JsonNode.Parse(await SampleReport.RenderAsync(new SpdxReportWriter(), report))!;

    [Fact]
    public async Task Has_the_required_document_fields()
    {
        var doc = await RenderAsync(SampleReport.Create());

        Assert.Equal("SPDX-2.3", doc["spdxVersion"]!.GetValue<string>());
        Assert.Equal("CC0-1.0", doc["dataLicense"]!.GetValue<string>());
        Assert.Equal("SPDXRef-DOCUMENT", doc["SPDXID"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(doc["name"]!.GetValue<string>()));
        var ns = new Uri(doc["documentNamespace"]!.GetValue<string>());
        Assert.True(ns.IsAbsoluteUri);
        Assert.DoesNotContain("#", ns.OriginalString, StringComparison.Ordinal);
        Assert.Matches(CreatedPattern(), doc["creationInfo"]!["created"]!.GetValue<string>());
        Assert.StartsWith("Tool: comb-", doc["creationInfo"]!["creators"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Packages_and_relationships_are_well_formed()
    {
        var doc = await RenderAsync(SampleReport.Create());
        var packages = doc["packages"]!.AsArray();
        var ids = packages.Select(p => p!["SPDXID"]!.GetValue<string>()).ToList();

        Assert.Equal(1 + 1 + 8, packages.Count); // image, OS, packages
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id => Assert.Matches(SpdxIdPattern(), id));
        var declared = doc["hasExtractedLicensingInfos"]?.AsArray().Select(e => e!["licenseId"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var p in packages)
        {
            Assert.False(string.IsNullOrEmpty(p!["name"]!.GetValue<string>()));
            Assert.Equal("NOASSERTION", p["downloadLocation"]!.GetValue<string>());
            foreach (var field in new[] { "licenseConcluded", "licenseDeclared" })
            {
                var license = p[field]!.GetValue<string>();
                foreach (var operand in license.Replace("(", " ", StringComparison.Ordinal).Replace(")", " ", StringComparison.Ordinal)
                    .Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(t => t is not ("AND" or "OR" or "WITH")))
                {
                    Assert.True(operand is "NOASSERTION" or "NONE" || SpdxLicenses.Canonical(operand.TrimEnd('+')) == operand.TrimEnd('+') || declared.Contains(operand),
                        $"{p["name"]}: '{operand}' is not a listed SPDX id or a declared LicenseRef");
                }
            }

            foreach (var reference in p["externalRefs"]?.AsArray() ?? [])
            {
                Assert.Equal("PACKAGE-MANAGER", reference!["referenceCategory"]!.GetValue<string>());
                Assert.Equal("purl", reference["referenceType"]!.GetValue<string>());
                Assert.StartsWith("pkg:", reference["referenceLocator"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.DoesNotContain(" ", reference["referenceLocator"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }

        var relationships = doc["relationships"]!.AsArray();
        var known = ids.Append("SPDXRef-DOCUMENT").ToHashSet(StringComparer.Ordinal);
        foreach (var r in relationships)
        {
            Assert.Contains(r!["spdxElementId"]!.GetValue<string>(), known);
            Assert.Contains(r["relatedSpdxElement"]!.GetValue<string>(), known);
        }

        string Type(string from, string to) => relationships.Single(r =>
            r!["spdxElementId"]!.GetValue<string>() == from && r["relatedSpdxElement"]!.GetValue<string>() == to)!["relationshipType"]!.GetValue<string>();
        string IdOf(string name) => packages.Single(p => p!["name"]!.GetValue<string>() == name)!["SPDXID"]!.GetValue<string>();

        Assert.Equal("DESCRIBES", Type("SPDXRef-DOCUMENT", "SPDXRef-Image"));
        Assert.Equal("CONTAINS", Type("SPDXRef-Image", IdOf("express")));
        Assert.Equal("CONTAINS", Type(IdOf("debian"), IdOf("libssl3")));
        Assert.Equal("DEPENDS_ON", Type(IdOf("express"), IdOf("qs")));
    }

    [Fact]
    public async Task Licenses_become_valid_expressions_or_declared_references()
    {
        var doc = await RenderAsync(SampleReport.Create());
        string Declared(string name) => doc["packages"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!["licenseDeclared"]!.GetValue<string>();

        Assert.Equal("LGPL-2.1-or-later AND GPL-2.0-or-later", Declared("libc6"));
        Assert.Equal("MIT OR Apache-2.0", Declared("@scope/tool"));
        Assert.Equal("LicenseRef-GPL-3-", Declared("bash"));
        Assert.Equal("NOASSERTION", Declared("golang.org/x/net"));
        Assert.Contains(doc["hasExtractedLicensingInfos"]!.AsArray(), e => e!["licenseId"]!.GetValue<string>() == "LicenseRef-GPL-3-"
            && e["extractedText"]!.GetValue<string>() == "GPL-3+");
    }
}
