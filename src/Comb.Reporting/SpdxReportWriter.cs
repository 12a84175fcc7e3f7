using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>
/// SPDX 2.3 JSON: the image as the described CONTAINER package, every package CONTAINED by it (OS packages by the
/// OS package when known), DEPENDS_ON where the inventory knows dependencies, licenses as valid SPDX expressions,
/// LicenseRef-s (declared in hasExtractedLicensingInfos) or NOASSERTION.
/// </summary>
public sealed class SpdxReportWriter : IReportWriter
{
    public string Format => "spdx";

    public Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken)
    {
        report = ReportSorter.Sort(report);
        var image = report.Image;
        var imageName = ReportFacts.ImageName(image);
        var uuid = ReportFacts.StableUuid("spdx", image.ConfigDigest, image.ManifestDigest, report.ScanId,
            report.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        var refs = new BomRefs(report);
        var extracted = new SortedDictionary<string, string>(StringComparer.Ordinal);

        const string imageId = "SPDXRef-Image";
        var packages = new JsonArray
        {
            new JsonObject
            {
                ["SPDXID"] = imageId,
                ["name"] = imageName,
                ["versionInfo"] = image.ManifestDigest ?? image.ConfigDigest,
                ["downloadLocation"] = "NOASSERTION",
                ["filesAnalyzed"] = false,
                ["licenseConcluded"] = "NOASSERTION",
                ["licenseDeclared"] = "NOASSERTION",
                ["copyrightText"] = "NOASSERTION",
                ["primaryPackagePurpose"] = "CONTAINER",
                ["externalRefs"] = new JsonArray(PurlRef(ReportFacts.ImagePurl(image))),
            },
        };
        var relationships = new JsonArray { Relationship("SPDXRef-DOCUMENT", "DESCRIBES", imageId) };

        string? osId = null;
        if (report.Os is { } os)
        {
            osId = SpdxId("OperatingSystem", $"{os.Family}-{os.Name}");
            packages.Add(new JsonObject
            {
                ["SPDXID"] = osId,
                ["name"] = os.Family,
                ["versionInfo"] = os.Name,
                ["downloadLocation"] = "NOASSERTION",
                ["filesAnalyzed"] = false,
                ["licenseConcluded"] = "NOASSERTION",
                ["licenseDeclared"] = "NOASSERTION",
                ["copyrightText"] = "NOASSERTION",
                // The 2.3 JSON schema spells this purpose with a hyphen (the tag-value form uses an underscore).
                ["primaryPackagePurpose"] = "OPERATING-SYSTEM",
            });
            relationships.Add(Relationship(imageId, "CONTAINS", osId));
        }

        var ids = refs.All.ToDictionary(x => x.Ref, x => SpdxId("Package", $"{x.Package.Type}-{x.Package.Name}-{ReportFacts.ShortHash(x.Ref, 12)}"), StringComparer.Ordinal);
        foreach (var (p, bomRef) in refs.All)
        {
            var package = new JsonObject
            {
                ["SPDXID"] = ids[bomRef],
                ["name"] = p.Name,
            };
            package.With("versionInfo", p.Version);
            package.With("supplier", p.Metadata?.GetValueOrDefault("maintainer") is { Length: > 0 } m ? $"Person: {m.Replace('\n', ' ')}" : null);
            package["downloadLocation"] = "NOASSERTION";
            package["filesAnalyzed"] = false;
            package["licenseConcluded"] = "NOASSERTION";
            package["licenseDeclared"] = LicenseExpression(p.Licenses, extracted);
            package["copyrightText"] = "NOASSERTION";
            package.With("sourceInfo", p.Path is null ? null : $"acquired package info from {p.FoundBy ?? p.Type}: {ReportFacts.ImagePath(p.Path)}");
            package["primaryPackagePurpose"] = p.Type == PackageTypes.Binary ? "APPLICATION" : "LIBRARY";
            if (p.Purl is not null)
            {
                package["externalRefs"] = new JsonArray(PurlRef(p.Purl));
            }

            var comment = new[] { p.LayerDiffId is null ? null : $"layerDiffID: {p.LayerDiffId}", p.FoundBy is null ? null : $"foundBy: {p.FoundBy}" }
                .OfType<string>().ToList();
            package.With("comment", comment.Count == 0 ? null : string.Join("; ", comment));
            packages.Add(package);
            relationships.Add(Relationship(PackageClasses.IsOs(p.Type) && osId is not null ? osId : imageId, "CONTAINS", ids[bomRef]));
        }

        foreach (var (p, bomRef) in refs.All.Where(x => x.Package.DependsOn is not null))
        {
            foreach (var target in p.DependsOn!.Select(d => refs.ByNameVersion(d, p)).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                relationships.Add(Relationship(ids[bomRef], "DEPENDS_ON", ids[target]));
            }
        }

        var document = new JsonObject
        {
            ["spdxVersion"] = "SPDX-2.3",
            ["dataLicense"] = "CC0-1.0",
            ["SPDXID"] = "SPDXRef-DOCUMENT",
            ["name"] = imageName,
            ["documentNamespace"] = $"https://comb.dev/spdx/{Uri.EscapeDataString(imageName)}-{uuid}",
            ["creationInfo"] = new JsonObject
            {
                ["created"] = report.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["creators"] = new JsonArray("Tool: comb-" + report.ToolVersion),
            },
            ["packages"] = packages,
            ["relationships"] = relationships,
        };
        if (extracted.Count > 0)
        {
            document["hasExtractedLicensingInfos"] = JsonNodeOutput.Array(extracted, e => new JsonObject
            {
                ["licenseId"] = e.Key,
                ["extractedText"] = e.Value,
                ["name"] = e.Value,
            });
        }

        return JsonNodeOutput.WriteAsync(document, output, cancellationToken);
    }

    private static JsonObject PurlRef(string purl) => new()
    {
        ["referenceCategory"] = "PACKAGE-MANAGER",
        ["referenceType"] = "purl",
        ["referenceLocator"] = purl,
    };

    private static JsonObject Relationship(string from, string type, string to) => new()
    {
        ["spdxElementId"] = from,
        ["relationshipType"] = type,
        ["relatedSpdxElement"] = to,
    };

    /// <summary>SPDXRef- plus only the characters SPDX allows ([A-Za-z0-9.-]).</summary>
    internal static string SpdxId(string kind, string text)
    {
        var sb = new StringBuilder("SPDXRef-").Append(kind).Append('-');
        foreach (var c in text)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-');
        }

        return sb.ToString();
    }

    /// <summary>The declared licenses as one valid SPDX expression (AND of all), LicenseRef-s for unlisted ones.</summary>
    internal static string LicenseExpression(IReadOnlyList<string>? licenses, SortedDictionary<string, string> extracted)
    {
        var parts = new List<string>();
        foreach (var license in (licenses ?? []).Where(l => !string.IsNullOrWhiteSpace(l)).Distinct(StringComparer.Ordinal))
        {
            if (SpdxLicenses.Expression(license) is { } expression)
            {
                parts.Add(expression.Contains(' ', StringComparison.Ordinal) && (licenses!.Count > 1) ? $"({expression})" : expression);
            }
            else
            {
                var id = SpdxLicenses.LicenseRef(license);
                extracted.TryAdd(id, license);
                parts.Add(id);
            }
        }

        return parts.Count == 0 ? "NOASSERTION" : string.Join(" AND ", parts.Distinct(StringComparer.Ordinal));
    }
}
