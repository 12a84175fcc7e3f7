using Comb.Contracts;

namespace Comb.VulnDb.Versioning;

/// <summary>
/// The version comparers by scheme name, OSV ecosystem and Comb package type.
/// Every comparer is total: text a scheme cannot read sorts before all readable versions, and unreadable
/// texts order among themselves by ordinal string comparison. Check <see cref="IVersionComparer.IsValid"/>
/// when an unreadable version must be reported as "unknown" rather than ordered.
/// </summary>
public static class VersionSchemes
{
    public const string Dpkg = "dpkg";
    public const string Rpm = "rpm";
    public const string Apk = "apk";
    public const string SemVer = "semver";
    public const string Go = "go";
    public const string Cargo = "cargo";
    public const string Pep440 = "pep440";
    public const string Maven = "maven";
    public const string NuGet = "nuget";
    public const string RubyGems = "rubygems";
    public const string Composer = "composer";

    public static IReadOnlyList<IVersionComparer> All { get; } =
    [
        DpkgVersionComparer.Instance, RpmVersionComparer.Instance, ApkVersionComparer.Instance, SemVerComparer.Instance,
        GoVersionComparer.Instance, CargoVersionComparer.Instance, Pep440VersionComparer.Instance,
        MavenVersionComparer.Instance, NuGetVersionComparer.Instance, RubyGemsVersionComparer.Instance,
        ComposerVersionComparer.Instance,
    ];

    private static readonly Dictionary<string, IVersionComparer> ByScheme =
        All.ToDictionary(c => c.Scheme, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, string> SchemeByPackageType = new(StringComparer.OrdinalIgnoreCase)
    {
        [PackageTypes.Deb] = Dpkg,
        [PackageTypes.Apk] = Apk,
        [PackageTypes.Rpm] = Rpm,
        [PackageTypes.Npm] = SemVer,
        [PackageTypes.PyPI] = Pep440,
        [PackageTypes.Golang] = Go,
        [PackageTypes.Maven] = Maven,
        [PackageTypes.NuGet] = NuGet,
        [PackageTypes.Gem] = RubyGems,
        [PackageTypes.Cargo] = Cargo,
        [PackageTypes.Composer] = Composer,
    };

    // OSV ecosystem names (the part before any ':' release suffix, e.g. "Debian:12", "Alpine:v3.20").
    private static readonly Dictionary<string, string> SchemeByEcosystem = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Debian"] = Dpkg,
        ["Ubuntu"] = Dpkg,
        ["Alpine"] = Apk,
        ["Wolfi"] = Apk,
        ["Chainguard"] = Apk,
        ["AlmaLinux"] = Rpm,
        ["Rocky Linux"] = Rpm,
        ["Red Hat"] = Rpm,
        ["openSUSE"] = Rpm,
        ["SUSE"] = Rpm,
        ["Photon OS"] = Rpm,
        ["Mageia"] = Rpm,
        ["openEuler"] = Rpm,
        ["Azure Linux"] = Rpm,
        ["Amazon Linux"] = Rpm,
        ["npm"] = SemVer,
        ["Hex"] = SemVer,
        ["Pub"] = SemVer,
        ["SwiftURL"] = SemVer,
        ["PyPI"] = Pep440,
        ["Go"] = Go,
        ["Maven"] = Maven,
        ["NuGet"] = NuGet,
        ["crates.io"] = Cargo,
        ["RubyGems"] = RubyGems,
        ["Packagist"] = Composer,
    };

    /// <summary>
    /// The comparer for a scheme name ("dpkg", "semver", ...); package types ("deb", "gem") and OSV ecosystems
    /// ("Debian:12", "crates.io") are accepted too. Throws <see cref="ArgumentException"/> for anything else.
    /// </summary>
    public static IVersionComparer For(string scheme) =>
        TryFor(scheme, out var comparer) ? comparer : throw new ArgumentException($"Unknown version scheme '{scheme}'.", nameof(scheme));

    public static bool TryFor(string scheme, out IVersionComparer comparer)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        if (ByScheme.TryGetValue(scheme, out comparer!))
        {
            return true;
        }

        var name = SchemeForPackageType(scheme) ?? SchemeForEcosystem(scheme);
        if (name is not null)
        {
            comparer = ByScheme[name];
            return true;
        }

        comparer = null!;
        return false;
    }

    /// <summary>Comparer for an OSV ecosystem ("Debian:11", "Alpine:v3.18", "PyPI"), or null when unknown.</summary>
    public static IVersionComparer? ForEcosystem(string ecosystem) =>
        SchemeForEcosystem(ecosystem) is { } s ? ByScheme[s] : null;

    /// <summary>Comparer for a Comb package type (<see cref="PackageTypes"/>), or null (e.g. binary).</summary>
    public static IVersionComparer? ForPackageType(string packageType) =>
        SchemeForPackageType(packageType) is { } s ? ByScheme[s] : null;

    public static string? SchemeForEcosystem(string ecosystem)
    {
        ArgumentNullException.ThrowIfNull(ecosystem);
        var colon = ecosystem.IndexOf(':', StringComparison.Ordinal);
        var name = (colon >= 0 ? ecosystem[..colon] : ecosystem).Trim();
        return SchemeByEcosystem.GetValueOrDefault(name);
    }

    public static string? SchemeForPackageType(string packageType)
    {
        ArgumentNullException.ThrowIfNull(packageType);
        return SchemeByPackageType.GetValueOrDefault(packageType.Trim());
    }
}
