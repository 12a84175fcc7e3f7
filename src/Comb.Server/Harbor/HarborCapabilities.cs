using System.Globalization;
using System.Text.Json.Nodes;

namespace Comb.Server.Harbor;

/// <summary>The reports a Harbor scan request enabled.</summary>
[Flags]
internal enum HarborReportSet
{
    None = 0,
    Vulnerability = 1,
    LegacyVulnerability = 2,
    SbomSpdx = 4,
    SbomCycloneDx = 8,
    All = Vulnerability | LegacyVulnerability | SbomSpdx | SbomCycloneDx,
}

/// <summary>
/// Spec v1.2's <c>enabled_capabilities</c>: the capability types a request enables, narrowed by their
/// <c>produces_mime_types</c> and, for sbom, <c>parameters.sbom_media_types</c>; without the field, everything. The set is
/// carried in the scan id Harbor polls (JOB or JOB.rN), so identical requests still share one scan while each is
/// answered with only the reports it asked for, and nothing needs storing.
/// </summary>
internal static class HarborCapabilities
{
    private const string Separator = ".r";

    /// <summary>The enabled reports, or a problem: Status 400 for JSON of the wrong shape, 422 for values Comb does not support.</summary>
    public static (HarborReportSet Reports, int Status, string? Problem) Parse(IReadOnlyList<HarborEnabledCapability>? enabled)
    {
        if (enabled is null)
        {
            return (HarborReportSet.All, 0, null); // the spec's backward-compatible default
        }

        if (enabled.Count == 0)
        {
            return (HarborReportSet.None, 422, "enabled_capabilities is empty: enable vulnerability, sbom or both (or leave the field out for both)");
        }

        var reports = HarborReportSet.None;
        for (var i = 0; i < enabled.Count; i++)
        {
            var capability = enabled[i];
            var at = $"enabled_capabilities[{i}]";
            if (capability is null)
            {
                return (HarborReportSet.None, 400, $"{at} must be an object");
            }

            var (found, status, problem) = capability.Type switch
            {
                "vulnerability" => Vulnerability(capability, at),
                "sbom" => Sbom(capability, at),
                null => (HarborReportSet.None, 422, $"{at}.type is required: vulnerability or sbom"),
                var other => (HarborReportSet.None, 422, $"{at}.type '{other}' is not a capability of Comb: use vulnerability or sbom"),
            };
            if (problem is not null)
            {
                return (HarborReportSet.None, status, problem);
            }

            reports |= found;
        }

        return (reports, 0, null);
    }

    /// <summary>The id Harbor is given: the queue's job id, with the enabled set when it is not everything.</summary>
    public static string ScanId(string jobId, HarborReportSet reports) =>
        reports == HarborReportSet.All ? jobId : jobId + Separator + ((int)reports).ToString(CultureInfo.InvariantCulture);

    /// <summary>Splits an id from <see cref="ScanId"/>; false for a suffix no request could have produced.</summary>
    public static bool TryParseScanId(string id, out string jobId, out HarborReportSet reports)
    {
        var at = id.LastIndexOf(Separator, StringComparison.Ordinal);
        (jobId, reports) = (id, HarborReportSet.All);
        if (at < 0)
        {
            return true;
        }

        if (!int.TryParse(id.AsSpan(at + Separator.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value is <= 0 or >= (int)HarborReportSet.All)
        {
            return false;
        }

        (jobId, reports) = (id[..at], (HarborReportSet)value);
        return true;
    }

    /// <summary>The media types of the enabled reports, for error messages.</summary>
    public static string Describe(HarborReportSet reports)
    {
        var names = new List<string>();
        if (reports.HasFlag(HarborReportSet.Vulnerability))
        {
            names.Add(HarborMediaTypes.VulnerabilityReport);
        }

        if (reports.HasFlag(HarborReportSet.LegacyVulnerability))
        {
            names.Add(HarborMediaTypes.LegacyVulnerabilityReport);
        }

        var formats = SbomFormats(reports);
        if (formats.Count > 0)
        {
            names.Add($"{HarborMediaTypes.SbomReport} ({string.Join(", ", formats)})");
        }

        return string.Join("; ", names);
    }

    public static IReadOnlyList<string> SbomFormats(HarborReportSet reports) =>
        [.. new[] { (HarborReportSet.SbomSpdx, HarborMediaTypes.Spdx), (HarborReportSet.SbomCycloneDx, HarborMediaTypes.CycloneDx) }
            .Where(f => reports.HasFlag(f.Item1)).Select(f => f.Item2)];

    public static HarborReportSet ForMediaType(string produced, string? sbomFormat) => produced switch
    {
        HarborMediaTypes.VulnerabilityReport => HarborReportSet.Vulnerability,
        HarborMediaTypes.LegacyVulnerabilityReport => HarborReportSet.LegacyVulnerability,
        HarborMediaTypes.SbomReport when sbomFormat == HarborMediaTypes.Spdx => HarborReportSet.SbomSpdx,
        HarborMediaTypes.SbomReport when sbomFormat == HarborMediaTypes.CycloneDx => HarborReportSet.SbomCycloneDx,
        _ => HarborReportSet.None,
    };

    private static (HarborReportSet, int, string?) Vulnerability(HarborEnabledCapability capability, string at)
    {
        if (capability.ProducesMimeTypes is not { Count: > 0 } produces)
        {
            return (HarborReportSet.Vulnerability | HarborReportSet.LegacyVulnerability, 0, null);
        }

        var reports = HarborReportSet.None;
        foreach (var type in produces)
        {
            var match = HarborAccept.Find(type, [HarborMediaTypes.VulnerabilityReport, HarborMediaTypes.LegacyVulnerabilityReport]);
            if (match is null)
            {
                return (HarborReportSet.None, 422, $"{at}.produces_mime_types: Comb does not produce '{type}' for vulnerability; it produces "
                    + $"{HarborMediaTypes.VulnerabilityReport} and {HarborMediaTypes.LegacyVulnerabilityReport}");
            }

            reports |= ForMediaType(match, null);
        }

        return (reports, 0, null);
    }

    private static (HarborReportSet, int, string?) Sbom(HarborEnabledCapability capability, string at)
    {
        foreach (var type in capability.ProducesMimeTypes ?? [])
        {
            if (HarborAccept.Find(type, [HarborMediaTypes.SbomReport]) is null)
            {
                return (HarborReportSet.None, 422, $"{at}.produces_mime_types: Comb does not produce '{type}' for sbom; it produces {HarborMediaTypes.SbomReport}");
            }
        }

        var requested = capability.Parameters?["sbom_media_types"];
        if (requested is null)
        {
            return (HarborReportSet.SbomSpdx | HarborReportSet.SbomCycloneDx, 0, null);
        }

        if (requested is not JsonArray formats || formats.Any(f => f is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            return (HarborReportSet.None, 400, $"{at}.parameters.sbom_media_types must be an array of strings");
        }

        if (formats.Count == 0)
        {
            return (HarborReportSet.None, 422, $"{at}.parameters.sbom_media_types is empty: name {string.Join(" and/or ", HarborMediaTypes.SbomFormats)}");
        }

        var reports = HarborReportSet.None;
        foreach (var format in formats.Select(f => f!.GetValue<string>()))
        {
            var found = ForMediaType(HarborMediaTypes.SbomReport, HarborMediaTypes.SbomFormats.FirstOrDefault(s => string.Equals(s, format.Trim(), StringComparison.OrdinalIgnoreCase)));
            if (found == HarborReportSet.None)
            {
                return (HarborReportSet.None, 422, $"{at}.parameters.sbom_media_types: Comb does not write '{format}'; use {string.Join(" or ", HarborMediaTypes.SbomFormats)}");
            }

            reports |= found;
        }

        return (reports, 0, null);
    }
}
