using System.Globalization;
using System.Text.Json.Nodes;
using Comb.Contracts;

namespace Comb.Reporting;

/// <summary>
/// CycloneDX 1.6 JSON: the image as metadata.component, packages as components (purl, licenses, Comb properties),
/// the dependency graph where known, and the vulnerabilities found (VDR) linked to components by bom-ref.
/// </summary>
public sealed class CycloneDxReportWriter : IReportWriter
{
    public string Format => "cyclonedx";

    public Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken)
    {
        report = ReportSorter.Sort(report);
        var image = report.Image;
        var imageRef = ReportFacts.ImagePurl(image);
        var refs = new BomRefs(report);

        var components = new JsonArray();
        string? osRef = null;
        if (report.Os is { } os)
        {
            osRef = $"os-{os.Family}-{os.Name}";
            components.Add(new JsonObject
            {
                ["type"] = "operating-system",
                ["bom-ref"] = osRef,
                ["name"] = os.Family,
                ["version"] = os.Name,
            }.With("description", os.PrettyName));
        }

        foreach (var (package, bomRef) in refs.All)
        {
            components.Add(Component(package, bomRef));
        }

        var bom = new JsonObject
        {
            ["$schema"] = "http://cyclonedx.org/schema/bom-1.6.schema.json",
            ["bomFormat"] = "CycloneDX",
            ["specVersion"] = "1.6",
            ["serialNumber"] = "urn:uuid:" + ReportFacts.StableUuid("cyclonedx", image.ConfigDigest, image.ManifestDigest, report.ScanId,
                report.CreatedAt.ToString("O", CultureInfo.InvariantCulture)),
            ["version"] = 1,
            ["metadata"] = new JsonObject
            {
                ["timestamp"] = Timestamp(report.CreatedAt),
                ["tools"] = new JsonObject
                {
                    ["components"] = new JsonArray(new JsonObject { ["type"] = "application", ["name"] = "comb", ["version"] = report.ToolVersion }),
                },
                ["component"] = new JsonObject
                {
                    ["type"] = "container",
                    ["bom-ref"] = imageRef,
                    ["name"] = ReportFacts.ImageName(image),
                    ["version"] = image.ManifestDigest ?? image.ConfigDigest,
                    ["purl"] = imageRef,
                    ["properties"] = Properties(
                        ("comb:image:id", image.ConfigDigest),
                        ("comb:image:repoDigest", image.ManifestDigest),
                        ("comb:image:platform", image.Platform.ToString()),
                        ("comb:image:source", image.SourceKind)),
                },
            },
            ["components"] = components,
            ["dependencies"] = Dependencies(report, refs, imageRef, osRef),
        };

        if (report.Vulnerabilities.Count > 0)
        {
            bom["vulnerabilities"] = Vulnerabilities(report, refs, imageRef);
        }

        return JsonNodeOutput.WriteAsync(bom, output, cancellationToken);
    }

    private static string Timestamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static JsonArray Properties(params (string Name, string? Value)[] items) =>
        new([.. items.Where(i => !string.IsNullOrEmpty(i.Value)).Select(i => (JsonNode?)new JsonObject { ["name"] = i.Name, ["value"] = i.Value })]);

    private static JsonObject Component(Package p, string bomRef)
    {
        var component = new JsonObject
        {
            ["type"] = p.Type == PackageTypes.Binary ? "application" : "library",
            ["bom-ref"] = bomRef,
        };
        var group = p.Metadata?.GetValueOrDefault("groupId");
        component.With("group", group);
        component["name"] = p.Name;
        component.With("version", p.Version);
        component.With("purl", p.Purl);
        component.With("licenses", Licenses(p.Licenses));
        var props = Properties(
            ("comb:package:type", p.Type),
            ("comb:layer:diffID", p.LayerDiffId),
            ("comb:path", ReportFacts.ImagePath(p.Path)),
            ("comb:foundBy", p.FoundBy),
            ("comb:package:srcName", p.SourceName),
            ("comb:package:srcVersion", p.SourceVersion),
            ("comb:package:arch", p.Arch),
            ("comb:package:dev", p.Dev ? "true" : null),
            ("comb:package:relationship", p.Relationship));
        if (props.Count > 0)
        {
            component["properties"] = props;
        }

        // One component found through several files (installed, and named by lock files): each file is an occurrence.
        if (p.OtherPaths is { Count: > 0 } others && p.Path is not null)
        {
            var occurrences = new JsonArray();
            foreach (var path in others.Prepend(p.Path))
            {
                occurrences.Add(new JsonObject { ["location"] = ReportFacts.ImagePath(path) });
            }

            component["evidence"] = new JsonObject { ["occurrences"] = occurrences };
        }

        return component;
    }

    /// <summary>One SPDX expression when the text is one; else one license entry per name (id when listed).</summary>
    internal static JsonArray? Licenses(IReadOnlyList<string>? licenses)
    {
        var list = licenses?.Where(l => !string.IsNullOrWhiteSpace(l)).Distinct(StringComparer.Ordinal).ToList();
        if (list is null || list.Count == 0)
        {
            return null;
        }

        if (list.Count == 1 && list[0].Contains(' ', StringComparison.Ordinal) && SpdxLicenses.Expression(list[0]) is { } expression
            && SpdxLicenses.Canonical(expression) is null)
        {
            return new JsonArray(new JsonObject { ["expression"] = expression });
        }

        return JsonNodeOutput.Array(list, l => new JsonObject
        {
            ["license"] = SpdxLicenses.Canonical(l) is { } id ? new JsonObject { ["id"] = id } : new JsonObject { ["name"] = l },
        });
    }

    private static JsonArray Dependencies(ScanReport report, BomRefs refs, string imageRef, string? osRef)
    {
        var deps = new JsonArray();
        var osPackages = refs.All.Where(x => PackageClasses.IsOs(x.Package.Type)).Select(x => x.Ref).ToList();
        var topLevel = refs.All.Where(x => !PackageClasses.IsOs(x.Package.Type) || osRef is null).Select(x => x.Ref);
        var imageDeps = (osRef is null ? topLevel : topLevel.Prepend(osRef)).Distinct(StringComparer.Ordinal).ToList();
        deps.Add(new JsonObject { ["ref"] = imageRef, ["dependsOn"] = JsonNodeOutput.Strings(imageDeps) });
        if (osRef is not null)
        {
            deps.Add(new JsonObject { ["ref"] = osRef, ["dependsOn"] = JsonNodeOutput.Strings(osPackages) });
        }

        foreach (var (package, bomRef) in refs.All.Where(x => x.Package.DependsOn is not null))
        {
            var targets = package.DependsOn!.Select(id => refs.ByNameVersion(id, package)).OfType<string>()
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            deps.Add(new JsonObject { ["ref"] = bomRef, ["dependsOn"] = JsonNodeOutput.Strings(targets) });
        }

        return deps;
    }

    private static JsonArray Vulnerabilities(ScanReport report, BomRefs refs, string imageRef)
    {
        var result = new JsonArray();
        foreach (var group in report.Vulnerabilities.GroupBy(v => v.Id, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var first = group.First();
            var vuln = new JsonObject
            {
                ["bom-ref"] = $"vuln-{group.Key}",
                ["id"] = group.Key,
            };
            vuln.With("source", first.DataSources.Count == 0 ? null : new JsonObject { ["name"] = first.DataSources[0] });
            var aliases = group.SelectMany(v => v.Aliases).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (aliases.Count > 0)
            {
                vuln["references"] = JsonNodeOutput.Array(aliases, a => new JsonObject { ["id"] = a, ["source"] = new JsonObject { ["name"] = AliasSource(a) } });
            }

            vuln["ratings"] = Ratings(first);
            var cwes = first.Cwes.Select(ParseCwe).OfType<int>().Distinct().Order().ToList();
            if (cwes.Count > 0)
            {
                vuln["cwes"] = new JsonArray([.. cwes.Select(c => (JsonNode?)JsonValue.Create(c))]);
            }

            vuln.With("description", first.Description ?? first.Title);
            var fixes = group.SelectMany(v => v.FixedVersions).Distinct(StringComparer.Ordinal).ToList();
            vuln.With("recommendation", first.FixAdvice ?? (fixes.Count == 0 ? null : $"Upgrade {first.PackageName} to {string.Join(", ", fixes)}"));
            if (first.References.Count > 0)
            {
                vuln["advisories"] = JsonNodeOutput.Array(first.References.Distinct(StringComparer.Ordinal), r => new JsonObject { ["url"] = r });
            }

            vuln.With("published", first.Published is { } p ? Timestamp(p) : null);
            vuln.With("updated", first.Modified is { } m ? Timestamp(m) : null);
            vuln["affects"] = JsonNodeOutput.Array(
                group.Select(v => (Ref: refs.ForFinding(v) ?? imageRef, v.InstalledVersion)).Distinct()
                    .OrderBy(a => a.Ref, StringComparer.Ordinal),
                a => new JsonObject
                {
                    ["ref"] = a.Ref,
                    ["versions"] = new JsonArray(new JsonObject { ["version"] = a.InstalledVersion, ["status"] = "affected" }),
                });
            var props = Properties(
                ("comb:fixedVersion", fixes.Count == 0 ? null : string.Join(", ", fixes)),
                ("comb:status", first.Status),
                ("comb:knownExploited", first.KnownExploited ? "true" : null),
                ("comb:layer:diffID", first.LayerDiffId));
            if (props.Count > 0)
            {
                vuln["properties"] = props;
            }

            result.Add(vuln);
        }

        return result;
    }

    private static JsonArray Ratings(VulnerabilityFinding v)
    {
        var ratings = new JsonArray();
        foreach (var c in v.Cvss.OrderBy(c => c.Source, StringComparer.Ordinal).ThenBy(c => c.Version, StringComparer.Ordinal))
        {
            var rating = new JsonObject { ["source"] = new JsonObject { ["name"] = c.Source } };
            if (c.BaseScore is { } score)
            {
                rating["score"] = score;
                rating["severity"] = CvssSeverityName(score, c.Version);
            }

            rating["method"] = c.Version switch { "2.0" => "CVSSv2", "3.0" => "CVSSv3", "3.1" => "CVSSv31", "4.0" => "CVSSv4", _ => "other" };
            rating["vector"] = c.Vector;
            ratings.Add(rating);
        }

        if (v.SeveritySource is not null || v.Cvss.Count == 0)
        {
            ratings.Add(new JsonObject
            {
                ["source"] = new JsonObject { ["name"] = v.SeveritySource ?? "comb" },
                ["severity"] = v.Severity == Severity.Unknown ? "unknown" : v.Severity.ToString().ToLowerInvariant(),
                ["method"] = "other",
            });
        }

        return ratings;
    }

    private static string CvssSeverityName(double score, string version)
    {
        var tenths = (int)Math.Round(score * 10, MidpointRounding.AwayFromZero);
        if (version == "2.0")
        {
            return tenths < 40 ? "low" : tenths < 70 ? "medium" : "high";
        }

        return tenths switch { 0 => "none", < 40 => "low", < 70 => "medium", < 90 => "high", _ => "critical" };
    }

    private static string AliasSource(string id) => id.Split('-')[0].ToUpperInvariant() switch
    {
        "CVE" => "NVD",
        "GHSA" => "GitHub Advisory Database",
        var prefix => prefix,
    };

    private static int? ParseCwe(string cwe)
    {
        var digits = cwe.StartsWith("CWE-", StringComparison.OrdinalIgnoreCase) ? cwe[4..] : cwe;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}

/// <summary>Unique bom-refs for every package (purl when unique, else purl plus a package id).</summary>
internal sealed class BomRefs
{
    public BomRefs(ScanReport report)
    {
        var packages = report.PackageSets.SelectMany(s => s.Packages.Select(p => p with { Path = p.Path ?? s.FilePath })).ToList();
        var purlCounts = packages.Where(p => p.Purl is not null).GroupBy(p => p.Purl!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var all = new List<(Package, string)>();
        foreach (var p in packages)
        {
            var id = ReportFacts.ShortHash($"{p.Type}|{p.Name}|{p.Version}|{p.Path}|{p.Arch}");
            var bomRef = p.Purl is not null && purlCounts[p.Purl] == 1 ? p.Purl
                : p.Purl is not null ? $"{p.Purl}{(p.Purl.Contains('?', StringComparison.Ordinal) ? '&' : '?')}package-id={id}"
                : $"pkg-{p.Type}-{p.Name}-{id}";
            if (used.Add(bomRef))
            {
                all.Add((p, bomRef));
            }
        }

        All = all;
    }

    public IReadOnlyList<(Package Package, string Ref)> All { get; }

    public string? ForFinding(VulnerabilityFinding v)
    {
        var match = All.Where(x => v.PackagePurl is not null && x.Package.Purl == v.PackagePurl).ToList();
        if (match.Count == 0)
        {
            match = [.. All.Where(x => x.Package.Name == v.PackageName && x.Package.Version == v.InstalledVersion && x.Package.Type == v.PackageType)];
        }

        if (match.Count > 1 && v.Path is not null)
        {
            var byPath = match.Where(x => ReportFacts.ImagePath(x.Package.Path) == ReportFacts.ImagePath(v.Path)).ToList();
            if (byPath.Count > 0)
            {
                match = byPath;
            }
        }

        return match.Count == 0 ? null : match[0].Ref;
    }

    /// <summary>Resolves a DependsOn id ("name@version", or a bare name) among packages of the same type and file.</summary>
    public string? ByNameVersion(string id, Package from)
    {
        var at = id.LastIndexOf('@');
        var (name, version) = at > 0 ? (id[..at], id[(at + 1)..]) : (id, (string?)null);
        var candidates = All.Where(x => x.Package.Type == from.Type && x.Package.Name == name && (version is null || x.Package.Version == version)).ToList();
        var sameFile = candidates.Where(x => x.Package.Path == from.Path).ToList();
        return (sameFile.Count > 0 ? sameFile : candidates).Select(x => x.Ref).FirstOrDefault();
    }
}
