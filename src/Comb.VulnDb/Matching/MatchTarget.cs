using System.Globalization;
using Comb.Contracts;
using Comb.VulnDb.Feeds;

namespace Comb.VulnDb.Matching;

/// <summary>Where to look a package up: the OSV ecosystem, the normalised names to try, and the version to compare.</summary>
internal sealed record MatchTarget(string Ecosystem, IReadOnlyList<string> Names, string Version, PackageClass Class);

/// <summary>Maps an installed package (and the image's OS) to its advisory ecosystem, name and comparable version.</summary>
internal static class MatchTargets
{
    /// <summary>The OSV ecosystem of the image's distro release (Debian:11, Ubuntu:22.04:LTS, Alpine:v3.11, AlmaLinux:9), or null.</summary>
    public static string? DistroEcosystem(OsInfo? os)
    {
        if (os is null)
        {
            return null;
        }

        var family = os.Family.Trim().ToLowerInvariant();
        var name = os.Name.Trim();
        switch (family)
        {
            case "debian":
                var major = Major(name);
                if (major is not null)
                {
                    return "Debian:" + (major is "3" or "4" or "5" or "6" ? OldDebianRelease(name, major) : major);
                }

                var codename = os.Codename ?? name.Split('/')[0];
                return DebianTrackerParser.Releases.TryGetValue(codename, out var release) ? "Debian:" + release : null;
            case "ubuntu":
                var parts = name.Split('.', ' ');
                if (parts.Length < 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var year))
                {
                    return null;
                }

                var yymm = parts[0] + "." + parts[1];
                return parts[1] == "04" && year % 2 == 0 ? $"Ubuntu:{yymm}:LTS" : "Ubuntu:" + yymm;
            case "alpine":
                var ap = name.Split('.');
                return ap.Length >= 2 ? $"Alpine:v{ap[0]}.{ap[1]}" : null;
            case "alma" or "almalinux":
                return Major(name) is { } alma ? "AlmaLinux:" + alma : null;
            case "rocky" or "rockylinux":
                return Major(name) is { } rocky ? "Rocky Linux:" + rocky : null;
            default:
                return null;
        }
    }

    public static MatchTarget? For(Package package, string? distroEcosystem)
    {
        switch (package.Type)
        {
            case PackageTypes.Deb:
                return distroEcosystem is null ? null
                    : new MatchTarget(distroEcosystem, Names(distroEcosystem, package.SourceName ?? package.Name), package.SourceVersion ?? package.Version, PackageClass.Os);
            case PackageTypes.Apk:
                return distroEcosystem is null ? null
                    : new MatchTarget(distroEcosystem, Names(distroEcosystem, package.SourceName ?? package.Name), package.Version, PackageClass.Os);
            case PackageTypes.Rpm:
                if (distroEcosystem is null)
                {
                    return null;
                }

                // AlmaLinux / Rocky records name binary packages; try the source name too.
                var version = package.Epoch is > 0 && !package.Version.Contains(':', StringComparison.Ordinal)
                    ? $"{package.Epoch.Value.ToString(CultureInfo.InvariantCulture)}:{package.Version}"
                    : package.Version;
                return new MatchTarget(distroEcosystem, Names(distroEcosystem, package.Name, package.SourceName), version, PackageClass.Os);
            case PackageTypes.Npm:
                return Language("npm", package.Name, package.Version);
            case PackageTypes.PyPI:
                return Language("PyPI", package.Name, package.Version);
            case PackageTypes.Golang:
                return GoTarget(package);
            case PackageTypes.Maven:
                return MavenName(package) is { } coordinates ? Language("Maven", coordinates, package.Version) : null;
            case PackageTypes.NuGet:
                return Language("NuGet", package.Name, package.Version);
            case PackageTypes.Gem:
                return Language("RubyGems", package.Name, package.Version);
            case PackageTypes.Cargo:
                return Language("crates.io", package.Name, package.Version);
            case PackageTypes.Composer:
                return Language("Packagist", package.Name, package.Version.StartsWith('v') ? package.Version[1..] : package.Version);
            default:
                return null;
        }
    }

    /// <summary>Maven coordinates group:artifact from the name, the groupId metadata or the purl.</summary>
    internal static string? MavenName(Package package)
    {
        if (package.Name.Contains(':', StringComparison.Ordinal))
        {
            return package.Name;
        }

        if (package.Metadata?.GetValueOrDefault("groupId") is { Length: > 0 } group)
        {
            return group + ":" + package.Name;
        }

        if (package.Purl is { } purl && purl.StartsWith("pkg:maven/", StringComparison.OrdinalIgnoreCase))
        {
            var path = purl["pkg:maven/".Length..].Split('@', '?', '#')[0].Split('/');
            if (path.Length == 2)
            {
                return Uri.UnescapeDataString(path[0]) + ":" + Uri.UnescapeDataString(path[1]);
            }
        }

        return null;
    }

    private static MatchTarget? GoTarget(Package package)
    {
        var name = package.Name;
        var version = package.Version;
        if (version.Length == 0 || version == "(devel)")
        {
            return null;
        }

        if (name is "stdlib" or "go" or "golang")
        {
            name = "stdlib";
            version = version.StartsWith("go", StringComparison.Ordinal) ? version[2..] : version;
        }

        return Language("Go", name, version.StartsWith('v') ? version[1..] : version);
    }

    private static MatchTarget Language(string ecosystem, string name, string version) =>
        new(ecosystem, [PackageNames.Normalize(ecosystem, name)], version.Trim(), PackageClass.Language);

    private static string[] Names(string ecosystem, string name, string? other = null)
    {
        var first = PackageNames.Normalize(ecosystem, name);
        if (other is null)
        {
            return [first];
        }

        var second = PackageNames.Normalize(ecosystem, other);
        return first == second ? [first] : [first, second];
    }

    private static string? Major(string name)
    {
        var digits = name.TakeWhile(char.IsAsciiDigit).ToArray();
        return digits.Length == 0 ? null : new string(digits);
    }

    /// <summary>Debian 3.0 - 6.0 keep the minor digit in their OSV names (Debian:6.0).</summary>
    private static string OldDebianRelease(string name, string major) =>
        major == "3" && name.StartsWith("3.1", StringComparison.Ordinal) ? "3.1" : major + ".0";
}
