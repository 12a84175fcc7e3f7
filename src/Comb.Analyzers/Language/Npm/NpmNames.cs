using Comb.Contracts;

namespace Comb.Analyzers.Language.Npm;

internal static class NpmNames
{
    /// <summary>pkg:npm/%40scope/name@version; the scope is the purl namespace.</summary>
    public static string Purl(string name, string version)
    {
        var slash = name.StartsWith('@') ? name.IndexOf('/', StringComparison.Ordinal) : -1;
        return slash > 0
            ? PackageUrl.Create(PackageTypes.Npm, name[..slash], name[(slash + 1)..], NullIfEmpty(version))
            : PackageUrl.Create(PackageTypes.Npm, null, name, NullIfEmpty(version));
    }

    private static string? NullIfEmpty(string v) => v.Length == 0 ? null : v;

    /// <summary>Splits "name@range" (name may start with '@'); returns the name and the range ("" when absent).</summary>
    public static (string Name, string Range) SplitSpec(string spec)
    {
        var at = spec.IndexOf('@', 1);
        return at < 0 ? (spec, "") : (spec[..at], spec[(at + 1)..]);
    }

    /// <summary>The package really installed for a dependency spec: "alias@npm:real@^1" installs "real".</summary>
    public static string RealName(string name, string range)
    {
        if (range.StartsWith("npm:", StringComparison.Ordinal))
        {
            var target = range[4..];
            var at = target.IndexOf('@', 1);
            return at < 0 ? target : target[..at];
        }

        return name;
    }

    /// <summary>Protocols that point at local or workspace code rather than a published package.</summary>
    public static bool IsLocalProtocol(string range) =>
        range.StartsWith("workspace:", StringComparison.Ordinal) || range.StartsWith("link:", StringComparison.Ordinal)
        || range.StartsWith("portal:", StringComparison.Ordinal) || range.StartsWith("file:", StringComparison.Ordinal);

    /// <summary>
    /// A git checkout ("git+https://...", "github:owner/repo", "owner/repo#ref"): its version is whatever the
    /// repository's package.json says, not a published release, so it is not reported (like the mix and npm git entries).
    /// </summary>
    public static bool IsGitSource(string range) =>
        range.StartsWith("git+", StringComparison.Ordinal) || range.StartsWith("git:", StringComparison.Ordinal)
        || range.StartsWith("github:", StringComparison.Ordinal) || range.StartsWith("gitlab:", StringComparison.Ordinal)
        || range.StartsWith("bitbucket:", StringComparison.Ordinal)
        || (range.StartsWith("http", StringComparison.Ordinal) && range.Contains(".git#", StringComparison.Ordinal))
        || (range.EndsWith(".git", StringComparison.Ordinal) && range.Contains("://", StringComparison.Ordinal));

    public static string Id(string name, string version) => $"{name}@{version}";
}

/// <summary>Merges duplicate name@version entries (same package at several node_modules paths).</summary>
internal sealed class PackageCollector
{
    private readonly Dictionary<string, Package> _byId = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public void Add(Package package)
    {
        var id = $"{package.Name}@{package.Version}";
        if (_byId.TryGetValue(id, out var existing))
        {
            // A package needed by production code anywhere is not dev-only.
            _byId[id] = existing with
            {
                Dev = existing.Dev && package.Dev,
                Relationship = Stronger(existing.Relationship, package.Relationship),
                DependsOn = existing.DependsOn ?? package.DependsOn,
                Licenses = existing.Licenses ?? package.Licenses,
            };
            return;
        }

        _byId[id] = package;
        _order.Add(id);
    }

    public IEnumerable<Package> Packages => _order.Select(id => _byId[id]);

    private static string? Stronger(string? a, string? b)
    {
        static int Rank(string? r) => r switch { "root" => 4, "workspace" => 3, "direct" => 2, "indirect" => 1, _ => 0 };
        return Rank(a) >= Rank(b) ? a : b;
    }
}
