namespace Comb.Contracts;

/// <summary>
/// What installed a package: the operating system's package manager (its advisories come from the distribution, its
/// files are the OS's), or a language ecosystem (lock files, manifests, binaries; advisories by ecosystem).
/// </summary>
public enum PackageClass
{
    Language,
    Os,
}

/// <summary>The one place that says which package types are OS packages.</summary>
public static class PackageClasses
{
    /// <summary>The class of a package type (one of <see cref="PackageTypes"/>): deb, apk and rpm are OS packages.</summary>
    public static PackageClass Of(string packageType) =>
        packageType is PackageTypes.Deb or PackageTypes.Apk or PackageTypes.Rpm ? PackageClass.Os : PackageClass.Language;

    public static PackageClass Of(Package package) => Of(package.Type);

    /// <summary>A package set is an OS package database when it holds OS packages.</summary>
    public static PackageClass Of(PackageSet set) =>
        set.Packages.Any(p => Of(p.Type) == PackageClass.Os) ? PackageClass.Os : PackageClass.Language;

    public static bool IsOs(string packageType) => Of(packageType) == PackageClass.Os;
}
