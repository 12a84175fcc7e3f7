using Comb.Contracts;

namespace Comb.VulnDb.Matching;

/// <summary>The human parts of a finding: how to confirm the installed version, and what to upgrade.</summary>
internal static class FindingText
{
    /// <summary>A command a person can run inside the container to see what is installed.</summary>
    public static string? CheckCommand(Package package)
    {
        var path = package.Path is { Length: > 0 } p ? "/" + p.TrimStart('/') : null;
        var dir = path is null ? null : System.IO.Path.GetDirectoryName(path)?.Replace('\\', '/');
        return package.Type switch
        {
            PackageTypes.Deb => $"dpkg-query -W -f='${{Version}}' {package.Name}",
            PackageTypes.Apk => $"apk info -v {package.Name}",
            PackageTypes.Rpm => $"rpm -q {package.Name}",
            PackageTypes.Npm => dir is { Length: > 1 } ? $"cd {StripNodeModules(dir)} && npm ls {package.Name}" : $"npm ls {package.Name}",
            PackageTypes.PyPI => $"pip show {package.Name}",
            PackageTypes.Golang => path is not null && !path.EndsWith("go.mod", StringComparison.Ordinal) && !path.EndsWith("go.sum", StringComparison.Ordinal)
                ? $"go version -m {path}"
                : path is not null ? $"grep -n '{package.Name}' {path}" : $"go list -m {package.Name}",
            PackageTypes.Maven => path is not null && path.EndsWith(".jar", StringComparison.OrdinalIgnoreCase) || path?.EndsWith(".war", StringComparison.OrdinalIgnoreCase) == true
                ? $"unzip -l {path} | grep -i '{MavenArtifact(package)}'"
                : path is not null ? $"grep -n '{MavenArtifact(package)}' {path}" : null,
            PackageTypes.Gem => $"gem list '^{package.Name}$'",
            PackageTypes.Composer => dir is not null ? $"cd {dir} && composer show {package.Name}" : $"composer show {package.Name}",
            PackageTypes.NuGet or PackageTypes.Cargo => path is not null ? $"grep -n -i '{package.Name}' {path}" : null,
            _ => path is not null ? $"ls -l {path}" : null,
        };
    }

    /// <summary>"upgrade lodash 4.17.15 -> 4.17.21 in /app/package-lock.json, layer 5".</summary>
    public static string FixAdvice(Package package, string? fixedVersion, string status, int? layerIndex)
    {
        var where = package.Path is { Length: > 0 } p ? $" in /{p.TrimStart('/')}" : "";
        var layer = layerIndex is { } i ? $", layer {i}" : "";
        var source = package.SourceName is { Length: > 0 } s && !string.Equals(s, package.Name, StringComparison.Ordinal) ? $" (source package {s})" : "";
        if (fixedVersion is not null)
        {
            return $"upgrade {package.Name}{source} {package.Version} -> {fixedVersion}{where}{layer}";
        }

        return status switch
        {
            "end_of_life" => $"no fix: {package.Name}{source} is end-of-life in this release; move to a supported release or remove it{where}{layer}",
            "will_not_fix" => $"no fix planned for {package.Name}{source} {package.Version}; mitigate or remove it{where}{layer}",
            _ => $"no fixed version yet for {package.Name}{source} {package.Version}; mitigate or remove it{where}{layer}",
        };
    }

    private static string StripNodeModules(string dir)
    {
        var at = dir.IndexOf("/node_modules", StringComparison.Ordinal);
        return at > 0 ? dir[..at] : dir;
    }

    private static string MavenArtifact(Package package)
    {
        var name = MatchTargets.MavenName(package) ?? package.Name;
        var colon = name.LastIndexOf(':');
        return colon >= 0 ? name[(colon + 1)..] : name;
    }
}
