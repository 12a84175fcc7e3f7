using System.Text.RegularExpressions;
using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>Turns the text of one release file into an OsInfo, with family names as Trivy spells them.</summary>
internal static partial class ReleaseFileParser
{
    /// <summary>os-release ID values we recognise, mapped to the family name used downstream.</summary>
    private static readonly Dictionary<string, string> OsReleaseIds = new(StringComparer.Ordinal)
    {
        ["alpine"] = "alpine",
        ["debian"] = "debian",
        ["ubuntu"] = "ubuntu",
        ["rhel"] = "redhat",
        ["centos"] = "centos",
        ["rocky"] = "rocky",
        ["almalinux"] = "alma",
        ["ol"] = "oracle",
        ["oracle"] = "oracle",
        ["fedora"] = "fedora",
        ["amzn"] = "amazon",
        ["opensuse-leap"] = "opensuse-leap",
        ["opensuse"] = "opensuse-leap",
        ["opensuse-tumbleweed"] = "opensuse-tumbleweed",
        ["sles"] = "sles",
        ["sle-micro"] = "slem",
        ["sle-micro-rancher"] = "slem",
        ["sl-micro"] = "slem",
        ["photon"] = "photon",
        ["wolfi"] = "wolfi",
        ["chainguard"] = "chainguard",
        ["mariner"] = "cbl-mariner",
        ["azurelinux"] = "azurelinux",
        ["echo"] = "echo",
        ["minimos"] = "minimos",
        ["bottlerocket"] = "bottlerocket",
        ["scientific"] = "scientific",
        ["activestate"] = "activestate",
    };

    /// <summary>Distribution names in redhat-release style files ("X release N (codename)"), longest first.</summary>
    private static readonly (string Prefix, string Family)[] ReleaseNames =
    [
        ("Red Hat Enterprise Linux", "redhat"),
        ("Red Hat Linux", "redhat"),
        ("CentOS Stream", "centos-stream"),
        ("CentOS Linux", "centos"),
        ("CentOS", "centos"),
        ("Rocky Linux", "rocky"),
        ("AlmaLinux", "alma"),
        ("Oracle Linux Server", "oracle"),
        ("Oracle Linux", "oracle"),
        ("Fedora", "fedora"),
        ("Scientific Linux", "scientific"),
    ];

    /// <summary>CPE vendor (cpe:/o:VENDOR:product:version) to family, for system-release-cpe.</summary>
    private static readonly Dictionary<string, string> CpeVendors = new(StringComparer.OrdinalIgnoreCase)
    {
        ["centos"] = "centos",
        ["redhat"] = "redhat",
        ["rocky"] = "rocky",
        ["almalinux"] = "alma",
        ["oracle"] = "oracle",
        ["fedoraproject"] = "fedora",
        ["amazon"] = "amazon",
    };

    public static OsInfo? Parse(string path, string text)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        return name switch
        {
            "os-release" => ParseOsRelease(text),
            "alpine-release" => Simple("alpine", FirstLine(text)),
            "debian_version" => Simple("debian", FirstLine(text)),
            "lsb-release" => ParseLsbRelease(text),
            "system-release" => ParseSystemRelease(text),
            "system-release-cpe" => ParseCpe(FirstLine(text)),
            "photon-release" => ParsePhoton(text),
            "SuSE-release" => ParseSuseRelease(text),
            "busybox" => null,
            _ => ParseRedHatStyle(FirstLine(text)),
        };
    }

    /// <summary>Parses KEY=VALUE lines of an os-release / lsb-release file (shell-style quoting, comments).</summary>
    public static Dictionary<string, string> ParseKeyValues(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }

            fields[key] = value;
        }

        return fields;
    }

    private static OsInfo? ParseOsRelease(string text)
    {
        var fields = ParseKeyValues(text);
        if (!fields.TryGetValue("ID", out var id) || !fields.TryGetValue("VERSION_ID", out var version) || version.Length == 0)
        {
            return null;
        }

        if (!OsReleaseIds.TryGetValue(id.ToLowerInvariant(), out var family))
        {
            return null;
        }

        if (family == "centos" && fields.TryGetValue("NAME", out var osName) && osName.Contains("Stream", StringComparison.Ordinal))
        {
            family = "centos-stream";
        }

        return new OsInfo
        {
            Family = family,
            Name = version,
            Codename = NullIfEmpty(fields.GetValueOrDefault("VERSION_CODENAME")) ?? NullIfEmpty(fields.GetValueOrDefault("UBUNTU_CODENAME")),
            PrettyName = NullIfEmpty(fields.GetValueOrDefault("PRETTY_NAME")),
            Fields = fields,
        };
    }

    private static OsInfo? ParseLsbRelease(string text)
    {
        var fields = ParseKeyValues(text);
        if (!fields.TryGetValue("DISTRIB_ID", out var id) || !fields.TryGetValue("DISTRIB_RELEASE", out var version) || version.Length == 0)
        {
            return null;
        }

        // lsb-release is only trusted for Ubuntu, the one distribution that keeps it current.
        if (!string.Equals(id, "Ubuntu", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new OsInfo
        {
            Family = "ubuntu",
            Name = version,
            Codename = NullIfEmpty(fields.GetValueOrDefault("DISTRIB_CODENAME")),
            PrettyName = NullIfEmpty(fields.GetValueOrDefault("DISTRIB_DESCRIPTION")),
            Fields = fields,
        };
    }

    /// <summary>Amazon Linux system-release; the name keeps what follows the product name, as Trivy reports it.</summary>
    private static OsInfo? ParseSystemRelease(string text)
    {
        var line = FirstLine(text);
        if (line.StartsWith("Amazon Linux", StringComparison.Ordinal))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 4 && words[2] == "release")
            {
                return new OsInfo { Family = "amazon", Name = string.Join(' ', words[3..]), PrettyName = line };
            }

            if (words.Length >= 4 && words[2] == "AMI")
            {
                return new OsInfo { Family = "amazon", Name = string.Join(' ', words[2..]), PrettyName = line };
            }

            return null;
        }

        return ParseRedHatStyle(line);
    }

    private static OsInfo? ParseRedHatStyle(string line)
    {
        var match = ReleaseVersion().Match(line);
        if (!match.Success)
        {
            return null;
        }

        foreach (var (prefix, family) in ReleaseNames)
        {
            if (line.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                var codename = match.Groups["code"].Success ? match.Groups["code"].Value : null;
                return new OsInfo { Family = family, Name = match.Groups["ver"].Value, Codename = codename, PrettyName = line };
            }
        }

        return null;
    }

    private static OsInfo? ParseCpe(string line)
    {
        // cpe:/o:centos:linux:6:GA
        var parts = line.Split(':');
        if (parts.Length < 5 || parts[0] != "cpe" || !CpeVendors.TryGetValue(parts[2], out var family) || parts[4].Length == 0)
        {
            return null;
        }

        return new OsInfo { Family = family, Name = parts[4], PrettyName = line };
    }

    private static OsInfo? ParsePhoton(string text)
    {
        var match = PhotonVersion().Match(FirstLine(text));
        return match.Success ? new OsInfo { Family = "photon", Name = match.Groups[1].Value, PrettyName = FirstLine(text) } : null;
    }

    private static OsInfo? ParseSuseRelease(string text)
    {
        var first = FirstLine(text);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n').Skip(1))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                fields[line[..eq].Trim()] = line[(eq + 1)..].Trim();
            }
        }

        if (!fields.TryGetValue("VERSION", out var version) || version.Length == 0)
        {
            return null;
        }

        if (fields.TryGetValue("PATCHLEVEL", out var patch) && patch.Length > 0 && !version.Contains('.', StringComparison.Ordinal))
        {
            version = version + "." + patch;
        }

        var family = first.StartsWith("openSUSE", StringComparison.OrdinalIgnoreCase) ? "opensuse-leap"
            : first.StartsWith("SUSE Linux Enterprise", StringComparison.OrdinalIgnoreCase) ? "sles" : null;
        return family is null ? null : new OsInfo { Family = family, Name = version, PrettyName = first };
    }

    private static OsInfo? Simple(string family, string version) =>
        version.Length == 0 ? null : new OsInfo { Family = family, Name = version };

    private static string FirstLine(string text)
    {
        var nl = text.IndexOf('\n', StringComparison.Ordinal);
        return (nl < 0 ? text : text[..nl]).Trim();
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    [GeneratedRegex(@"release\s+(?<ver>[0-9][0-9A-Za-z.\-]*)(\s*\((?<code>[^)]*)\))?", RegexOptions.CultureInvariant)]
    private static partial Regex ReleaseVersion();

    [GeneratedRegex(@"Photon OS\s+([0-9][0-9.]*)", RegexOptions.CultureInvariant)]
    private static partial Regex PhotonVersion();
}
