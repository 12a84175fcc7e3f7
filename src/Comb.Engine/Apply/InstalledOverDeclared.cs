using System.Text.RegularExpressions;
using Comb.Contracts;
using Comb.Engine.Walk;

namespace Comb.Engine.Apply;

/// <summary>
/// In an image, what is installed is the truth and a lock file is what someone declared. Where installed metadata
/// covers a project (its node_modules, vendor/composer/installed.json, a site-packages, installed gem
/// specifications), the project's lock files and manifests no longer report packages of their own: a package they
/// name that is installed becomes one more location of the installed component (one component, its advisories
/// counted once), and one that is not installed (deleted by a later layer, a dev dependency left out of a
/// production install) is not reported. Where nothing is installed (a source tree) the lock files stand.
/// A project's own package (root, workspace member) is declared only by its manifest and is kept. The same release
/// installed at several places of one project is one component with several locations.
/// </summary>
public static partial class InstalledOverDeclared
{
    /// <summary>An ecosystem where installed metadata and declarations coexist.</summary>
    private sealed record Ecosystem(
        string Type,
        Func<PackageSet, string?> InstalledScope,
        Func<PackageSet, string?> DeclaredScope,
        Func<string, string> NormalizeName);

    /// <summary>The scope of global installs (site-packages, gem specifications): they cover every project of the image.</summary>
    private const string Global = "";

    private static readonly Ecosystem[] Ecosystems =
    [
        // npm, yarn, pnpm and bun all install into the project's node_modules; the hidden lock
        // node_modules/.package-lock.json is npm's record of that install, still a declaration.
        new(PackageTypes.Npm,
            s => s.Kind == "node-pkg" ? ProjectOfNodeModules(s.FilePath) : null,
            s => s.Kind is "npm" or "yarn" or "pnpm" or "bun" || (s.Kind == "node-pkg" && ProjectOfNodeModules(s.FilePath) is null)
                ? ProjectOfNodeModules(s.FilePath) ?? ImagePaths.Parent(s.FilePath)
                : null,
            n => n),
        new(PackageTypes.Composer,
            s => s.Kind == "composer-vendor" && s.FilePath.EndsWith("vendor/composer/installed.json", StringComparison.Ordinal)
                ? s.FilePath[..^"vendor/composer/installed.json".Length].TrimEnd('/')
                : null,
            s => s.Kind == "composer" ? ImagePaths.Parent(s.FilePath) : null,
            n => n.ToLowerInvariant()),
        new(PackageTypes.PyPI,
            s => s.Kind is "python-pkg" or "conda-pkg" ? Global : null,
            s => s.Kind is "pip" or "pipenv" or "poetry" or "uv" or "pylock" ? Global : null,
            n => Pep503().Replace(n, "-").ToLowerInvariant()),
        new(PackageTypes.Gem,
            s => s.Kind == "gemspec" ? Global : null,
            s => s.Kind == "bundler" ? Global : null,
            n => n),
    ];

    public static IReadOnlyList<PackageSet> Resolve(IReadOnlyList<PackageSet> sets)
    {
        var result = sets.ToList();
        foreach (var ecosystem in Ecosystems)
        {
            Resolve(result, ecosystem);
        }

        return result;
    }

    private static void Resolve(List<PackageSet> sets, Ecosystem eco)
    {
        var installed = new List<(int Index, string Scope)>();
        var declared = new List<(int Index, string Scope)>();
        for (var i = 0; i < sets.Count; i++)
        {
            if (!sets[i].Packages.Any(p => p.Type == eco.Type))
            {
                continue;
            }

            if (eco.InstalledScope(sets[i]) is { } installScope)
            {
                installed.Add((i, installScope));
            }
            else if (eco.DeclaredScope(sets[i]) is { } declareScope)
            {
                declared.Add((i, declareScope));
            }
        }

        if (installed.Count == 0)
        {
            return;
        }

        // Installed packages by scope and name@version, to hang the declaring files on. The same release installed
        // at several places of one project (nested node_modules, two venvs) is one component too.
        var byKey = new Dictionary<(string Scope, string Name, string Version), (int Set, int Package)>();
        var extraPaths = new Dictionary<(int Set, int Package), SortedSet<string>>();
        var duplicates = new HashSet<(int Set, int Package)>();
        foreach (var (index, scope) in installed)
        {
            var packages = sets[index].Packages;
            for (var p = 0; p < packages.Count; p++)
            {
                var key = (scope, eco.NormalizeName(packages[p].Name), packages[p].Version);
                if (!byKey.TryAdd(key, (index, p)))
                {
                    AddPath(extraPaths, byKey[key], packages[p].Path ?? sets[index].FilePath);
                    duplicates.Add((index, p));
                }
            }
        }

        var scopes = installed.Select(i => i.Scope).ToHashSet(StringComparer.Ordinal);
        var emptied = new HashSet<int>();
        var declaredAs = new Dictionary<(int Set, int Package), Package>();
        foreach (var (index, scope) in declared)
        {
            if (!scopes.Contains(scope))
            {
                continue; // nothing installed for this project: the declaration is all there is
            }

            var kept = new List<Package>();
            foreach (var package in sets[index].Packages)
            {
                if (package.Type != eco.Type || package.Relationship is "root" or "workspace")
                {
                    kept.Add(package);
                    continue;
                }

                if (byKey.TryGetValue((scope, eco.NormalizeName(package.Name), package.Version), out var hit))
                {
                    AddPath(extraPaths, hit, sets[index].FilePath);
                    if (!declaredAs.TryGetValue(hit, out var seen) || seen.Relationship is null)
                    {
                        declaredAs[hit] = package;
                    }
                }
            }

            sets[index] = sets[index] with { Packages = kept };
            if (kept.Count == 0)
            {
                emptied.Add(index);
            }
        }

        foreach (var group in extraPaths.GroupBy(e => e.Key.Set))
        {
            var packages = sets[group.Key].Packages.ToArray();
            foreach (var ((_, p), paths) in group)
            {
                // The installed record does not know how the project reaches it; the lock file does.
                var lockEntry = declaredAs.GetValueOrDefault((group.Key, p));
                packages[p] = packages[p] with
                {
                    OtherPaths = [.. (packages[p].OtherPaths ?? []).Concat(paths).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                    Relationship = packages[p].Relationship ?? lockEntry?.Relationship,
                    DependsOn = packages[p].DependsOn ?? lockEntry?.DependsOn,
                };
            }

            sets[group.Key] = sets[group.Key] with { Packages = packages };
        }

        foreach (var group in duplicates.GroupBy(d => d.Set))
        {
            var drop = group.Select(d => d.Package).ToHashSet();
            sets[group.Key] = sets[group.Key] with { Packages = [.. sets[group.Key].Packages.Where((_, p) => !drop.Contains(p))] };
            if (sets[group.Key].Packages.Count == 0)
            {
                emptied.Add(group.Key);
            }
        }

        foreach (var index in emptied.OrderDescending())
        {
            sets.RemoveAt(index);
        }
    }

    private static void AddPath(Dictionary<(int Set, int Package), SortedSet<string>> extraPaths, (int Set, int Package) at, string path)
    {
        if (!extraPaths.TryGetValue(at, out var paths))
        {
            extraPaths[at] = paths = new SortedSet<string>(StringComparer.Ordinal);
        }

        paths.Add(path);
    }

    /// <summary>"app/node_modules/a/node_modules/b/package.json" belongs to the project "app"; null outside node_modules.</summary>
    private static string? ProjectOfNodeModules(string path)
    {
        if (path.StartsWith("node_modules/", StringComparison.Ordinal))
        {
            return string.Empty;
        }

        var at = path.IndexOf("/node_modules/", StringComparison.Ordinal);
        return at < 0 ? null : path[..at];
    }

    [GeneratedRegex(@"[-_.]+")]
    private static partial Regex Pep503();
}
