namespace Comb.Contracts;

/// <summary>The operating system an image is built on, as its release files say.</summary>
public sealed record OsInfo
{
    /// <summary>Family in lower case, as Trivy names it: debian, ubuntu, alpine, redhat, centos, rocky, alma, amazon, ...</summary>
    public required string Family { get; init; }

    /// <summary>Release version (e.g. "12.5", "3.20.1", "22.04").</summary>
    public required string Name { get; init; }

    public string? Codename { get; init; }
    public string? PrettyName { get; init; }

    /// <summary>Extended support / end-of-life information is derived elsewhere; this is only what the files say.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }
}

/// <summary>Package ecosystems; values are the purl types where one exists.</summary>
public static class PackageTypes
{
    public const string Deb = "deb";
    public const string Apk = "apk";
    public const string Rpm = "rpm";
    public const string Npm = "npm";
    public const string PyPI = "pypi";
    public const string Golang = "golang";
    public const string Maven = "maven";
    public const string NuGet = "nuget";
    public const string Gem = "gem";
    public const string Cargo = "cargo";
    public const string Composer = "composer";
    public const string Binary = "binary";
}

/// <summary>One installed or declared component.</summary>
public sealed record Package
{
    public required string Name { get; init; }
    public required string Version { get; init; }

    /// <summary>One of <see cref="PackageTypes"/>.</summary>
    public required string Type { get; init; }

    /// <summary>Package URL (purl) when one can be formed.</summary>
    public string? Purl { get; init; }

    /// <summary>Source package (dpkg Source, apk origin, rpm SOURCERPM name).</summary>
    public string? SourceName { get; init; }
    public string? SourceVersion { get; init; }

    public string? Arch { get; init; }

    /// <summary>Epoch for rpm/dpkg when separate from Version (Version already includes it for dpkg).</summary>
    public int? Epoch { get; init; }

    public IReadOnlyList<string>? Licenses { get; init; }

    /// <summary>Layer (diffID) that brought the package in or last changed its record.</summary>
    public string? LayerDiffId { get; init; }

    /// <summary>Path inside the image of the file that declares the package (DB, lock file, binary, jar).</summary>
    public string? Path { get; init; }

    /// <summary>Further files that name this same component (the lock files and manifests of an installed package).</summary>
    public IReadOnlyList<string>? OtherPaths { get; init; }

    /// <summary>Analyzer that found it (kebab-case id).</summary>
    public string? FoundBy { get; init; }

    /// <summary>Development-only dependency (lock files that say so).</summary>
    public bool Dev { get; init; }

    /// <summary>Direct or indirect dependency, when the lock file says ("direct", "indirect", "root").</summary>
    public string? Relationship { get; init; }

    /// <summary>Ids (name@version) of the packages this one depends on, when known.</summary>
    public IReadOnlyList<string>? DependsOn { get; init; }

    /// <summary>Free-form facts: maintainer, digest (sha1 of a jar), go toolchain, groupId, ...</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Files installed by the package (OS packages), when the DB lists them.</summary>
    public IReadOnlyList<string>? InstalledFiles { get; init; }
}

/// <summary>Packages declared by one file (a package DB, lock file or binary), the unit the layer applier replaces.</summary>
public sealed record PackageSet
{
    /// <summary>Path of the declaring file inside the image, without a leading slash.</summary>
    public required string FilePath { get; init; }

    /// <summary>Kind of target, e.g. "dpkg", "apk", "rpm", "npm", "pip", "gobinary", "jar", "cargo", "composer", "bundler", "nuget", "dotnet-core".</summary>
    public required string Kind { get; init; }

    public required IReadOnlyList<Package> Packages { get; init; }
}

/// <summary>A file-system fact an analyzer noted for later checks (setuid file, package cache, world-writable file...).</summary>
public sealed record FileNote
{
    public required string Kind { get; init; }
    public required string Path { get; init; }
    public int Mode { get; init; }
    public long Size { get; init; }
    public string? Detail { get; init; }
}

/// <summary>A problem with one input that did not stop the scan: a malformed DB, a truncated archive...</summary>
public sealed record Diagnostic
{
    public required string Message { get; init; }
    public string? Path { get; init; }
    public string? LayerDiffId { get; init; }
    public string? Source { get; init; }

    /// <summary>"warning" or "error".</summary>
    public string Level { get; init; } = "warning";
}

/// <summary>
/// What one file says about a package another file declares: the licences in a Debian copyright file, the paths a
/// dpkg file list names. Kept by the path of that file, so a later layer that overwrites or deletes it hides it;
/// joined to the packages of <see cref="Kind"/> called <see cref="PackageName"/> once the layers are stacked.
/// </summary>
public sealed record PackageDetail
{
    /// <summary>The file holding the detail (normalised image path).</summary>
    public required string Path { get; init; }

    /// <summary>Kind of the package sets it applies to ("dpkg").</summary>
    public required string Kind { get; init; }

    public required string PackageName { get; init; }

    /// <summary>Set when the file names one architecture (dpkg's "libc6:amd64.list"); null matches any.</summary>
    public string? Arch { get; init; }

    public IReadOnlyList<string>? Licenses { get; init; }

    /// <summary>Absolute paths ("/usr/bin/tar"), as the package databases list them.</summary>
    public IReadOnlyList<string>? InstalledFiles { get; init; }

    /// <summary>
    /// The digest the package database records for each file the package installed, keyed by normalised image path
    /// ("usr/bin/tar"), as "md5:HEX" (dpkg md5sums) or "sha1:HEX" (apk); used to verify files against their package.
    /// </summary>
    public IReadOnlyDictionary<string, string>? FileDigests { get; init; }
}

/// <summary>
/// A file note carrying the digests of a file's content ("md5:HEX sha1:HEX sha256:HEX" in <see cref="FileNote.Detail"/>),
/// for comparison with the digests a package database records. Not a finding by itself; removed once compared.
/// </summary>
public static class FileDigestNote
{
    public const string Kind = "file-digest";

    public static FileNote Create(string path, long size, string md5, string sha1, string sha256) =>
        new() { Kind = Kind, Path = path, Size = size, Detail = $"md5:{md5} sha1:{sha1} sha256:{sha256}" };

    /// <summary>The note's digest of one algorithm ("md5", "sha1", "sha256"), or null.</summary>
    public static string? Digest(FileNote note, string algorithm)
    {
        foreach (var part in (note.Detail ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Length > algorithm.Length + 1 && part[algorithm.Length] == ':' && part.StartsWith(algorithm, StringComparison.Ordinal))
            {
                return part[(algorithm.Length + 1)..];
            }
        }

        return null;
    }
}

/// <summary>Joins package details to the packages they describe; pure, so the applier and tests share it.</summary>
public static class PackageDetails
{
    public static IReadOnlyList<PackageSet> Join(IReadOnlyList<PackageSet> sets, IReadOnlyList<PackageDetail> details)
    {
        if (details.Count == 0)
        {
            return sets;
        }

        var byKey = details
            .GroupBy(d => (d.Kind, d.PackageName))
            .ToDictionary(g => g.Key, g => g.OrderBy(d => d.Path, StringComparer.Ordinal).ToList());
        return [.. sets.Select(set => set.Packages.Any(p => byKey.ContainsKey((set.Kind, p.Name)))
            ? set with { Packages = [.. set.Packages.Select(p => byKey.TryGetValue((set.Kind, p.Name), out var found) ? Apply(p, found) : p)] }
            : set)];
    }

    private static Package Apply(Package package, List<PackageDetail> details)
    {
        var matching = details.Where(d => d.Arch is null || package.Arch is null || d.Arch == package.Arch).ToList();
        if (matching.Count == 0)
        {
            return package;
        }

        var licenses = package.Licenses is { Count: > 0 }
            ? package.Licenses
            : matching.SelectMany(d => d.Licenses ?? []).Distinct(StringComparer.Ordinal).ToList() is { Count: > 0 } found ? found : null;
        var files = package.InstalledFiles is { Count: > 0 }
            ? package.InstalledFiles
            : matching.SelectMany(d => d.InstalledFiles ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } listed ? listed : null;
        return package with { Licenses = licenses, InstalledFiles = files };
    }
}
