using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Comb.VulnDb.Feeds;

/// <summary>
/// Reads Alpine secdb files (<c>v3.N/main.json</c> or <c>.yaml</c>): per origin package, <c>secfixes</c> maps a fixed
/// version to the CVEs it fixes. Each CVE becomes an <c>ALPINE-CVE-...</c> advisory with one entry per (release, package).
/// </summary>
internal static class AlpineSecDbParser
{
    public const string FeedSource = "alpine-secdb";

    /// <summary>One secfixes line: release branch (v3.11), origin package, fixed version, vulnerability id.</summary>
    public sealed record SecFix(string Branch, string Package, string FixedVersion, string VulnerabilityId);

    public static IEnumerable<SecFix> ParseJson(Stream stream)
    {
        using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
        var root = doc.RootElement;
        var branch = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("distroversion", out var dv) ? dv.GetString() : null;
        if (branch is null || !root.TryGetProperty("packages", out var packages))
        {
            throw new FormatException("not an Alpine secdb file (no distroversion/packages)");
        }

        // A repository without any security fix publishes "packages": null.
        if (packages.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var fixes = new List<SecFix>();
        foreach (var item in packages.EnumerateArray())
        {
            if (!item.TryGetProperty("pkg", out var pkg) || !pkg.TryGetProperty("name", out var nameEl) || nameEl.GetString() is not { } name
                || !pkg.TryGetProperty("secfixes", out var secfixes) || secfixes.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var fix in secfixes.EnumerateObject())
            {
                if (fix.Value.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var id in fix.Value.EnumerateArray())
                {
                    if (id.ValueKind == JsonValueKind.String)
                    {
                        Add(fixes, branch, name, fix.Name, id.GetString()!);
                    }
                }
            }
        }

        return fixes;
    }

    public static IEnumerable<SecFix> ParseYaml(TextReader reader)
    {
        var yaml = new YamlStream();
        yaml.Load(reader);
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root
            || Scalar(root, "distroversion") is not { } branch || Child(root, "packages") is not { } packagesNode)
        {
            throw new FormatException("not an Alpine secdb file (no distroversion/packages)");
        }

        if (packagesNode is not YamlSequenceNode packages)
        {
            return [];
        }

        var fixes = new List<SecFix>();
        foreach (var item in packages.Children.OfType<YamlMappingNode>())
        {
            if (Child(item, "pkg") is not YamlMappingNode pkg || Scalar(pkg, "name") is not { } name
                || Child(pkg, "secfixes") is not YamlMappingNode secfixes)
            {
                continue;
            }

            foreach (var (key, value) in secfixes.Children)
            {
                if (key is YamlScalarNode { Value: { } version } && value is YamlSequenceNode ids)
                {
                    foreach (var id in ids.Children.OfType<YamlScalarNode>())
                    {
                        if (id.Value is { } text)
                        {
                            Add(fixes, branch, name, version, text);
                        }
                    }
                }
            }
        }

        return fixes;
    }

    /// <summary>Groups secfixes into one advisory per vulnerability id (a CVE, else the vendor's advisory id).</summary>
    public static IEnumerable<Advisory> ToAdvisories(IEnumerable<SecFix> fixes, DateTimeOffset? modified)
    {
        foreach (var group in fixes.GroupBy(f => f.VulnerabilityId, StringComparer.Ordinal))
        {
            var advisory = new Advisory
            {
                Id = "ALPINE-" + group.Key,
                Upstream = [group.Key],
                Details = $"Fixed versions of {group.Key} in Alpine Linux packages, as listed in the Alpine secdb secfixes data.",
                Modified = modified,
                References = IsCveId(group.Key) ? [$"https://security.alpinelinux.org/vuln/{group.Key}"] : [],
            };
            advisory.Sources.Add(FeedSource);
            foreach (var fix in group.DistinctBy(f => (f.Branch, f.Package, f.FixedVersion)))
            {
                advisory.Affected.Add(new AffectedEntry
                {
                    Ecosystem = "Alpine:" + fix.Branch,
                    Name = fix.Package,
                    Ranges = [new AffectedRange("ECOSYSTEM", [new RangeEvent(EventKinds.Introduced, "0"), new RangeEvent(EventKinds.Fixed, fix.FixedVersion)])],
                });
            }

            yield return advisory;
        }
    }

    private static void Add(List<SecFix> fixes, string branch, string package, string version, string idText)
    {
        // Version "0" means "never affected".
        if (version.Trim() == "0" || VulnerabilityId(idText) is not { } id)
        {
            return;
        }

        fixes.Add(new SecFix(branch, package, version.Trim(), id));
    }

    /// <summary>
    /// The id a secfixes entry names: its CVE ("CVE-2017-17563 XSA-249", "CVE-2017-8073.patch", "CVE_2019-2426",
    /// "CVE-2017-17434-1"), else the entry's own advisory id (XSA-207, wnpa-sec-2017-21, ZBX-11023), so a fix
    /// published without a CVE is still reported. Placeholders such as "CVE-????-?????" name nothing.
    /// </summary>
    internal static string? VulnerabilityId(string entry)
    {
        var tokens = entry.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        foreach (var token in tokens)
        {
            if (CveIn(token) is { } cve)
            {
                return cve;
            }
        }

        var first = tokens.FirstOrDefault();
        return first is not null && !first.StartsWith("CVE", StringComparison.OrdinalIgnoreCase) && IsAdvisoryId(first) ? first : null;
    }

    private static string? CveIn(string token)
    {
        if (token.Length < 13 || !token.StartsWith("CVE", StringComparison.OrdinalIgnoreCase) || token[3] is not ('-' or '_'))
        {
            return null;
        }

        // CVE-YYYY-NNNN... then whatever suffix ("-1", ".patch") the entry carries.
        var digits = 9;
        while (digits < token.Length - 4 && char.IsAsciiDigit(token[4 + digits]))
        {
            digits++;
        }

        var cve = "CVE-" + token.Substring(4, digits);
        return IsCveId(cve) ? cve : null;
    }

    /// <summary>A vendor advisory id: letters first, then dash-separated letters and digits, at least one digit.</summary>
    private static bool IsAdvisoryId(string token) =>
        token.Length is >= 5 and <= 40 && char.IsAsciiLetter(token[0]) && token.Contains('-', StringComparison.Ordinal)
        && token.Any(char.IsAsciiDigit) && token.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') && !token.EndsWith('-');

    internal static bool IsCveId(string id)
    {
        if (!id.StartsWith("CVE-", StringComparison.Ordinal) || id.Length < 13)
        {
            return false;
        }

        var rest = id.AsSpan(4);
        return rest.Length >= 9 && char.IsAsciiDigit(rest[0]) && char.IsAsciiDigit(rest[1]) && char.IsAsciiDigit(rest[2])
            && char.IsAsciiDigit(rest[3]) && rest[4] == '-' && !rest[5..].ContainsAnyExcept("0123456789");
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;
}
