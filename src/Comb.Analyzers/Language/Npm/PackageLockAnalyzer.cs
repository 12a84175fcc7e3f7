using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Npm;

/// <summary>
/// npm package-lock.json (lockfile v1 "dependencies" tree, v2/v3 flat "packages" map) and npm-shrinkwrap.json.
/// v2/v3 name the project's own dependencies in the root entry; for v1 the package.json beside the lock does.
/// </summary>
internal sealed class PackageLockAnalyzer : LockWithManifestAnalyzer
{
    private const string NodeModules = "node_modules/";

    public override string Id => "npm-package-lock";

    public override int Version => 3;

    protected override string Kind => "npm";

    protected override bool IsLock(string path) =>
        PathMatch.FileName(path) is "package-lock.json" or "npm-shrinkwrap.json" or ".package-lock.json"
        && !(PathMatch.FileName(path) == "package-lock.json" && PathMatch.HasSegment(path, "node_modules"));

    protected override bool IsCompanion(FileMeta meta) => NpmManifest.IsProjectManifest(meta.Path);

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, PostAnalysisInput layer, CancellationToken cancellationToken)
    {
        var topLevel = new HashSet<string>(StringComparer.Ordinal);
        var (packages, isTree) = await ParseLockAsync(context, topLevel, cancellationToken).ConfigureAwait(false);
        if (!isTree || await NpmManifest.ReadProjectAsync(PathMatch.Directory(context.Path), layer, context, cancellationToken).ConfigureAwait(false) is not { } project)
        {
            return packages;
        }

        // v1: the manifest's dependencies installed at the top of node_modules are direct, everything else indirect.
        var direct = project.Prod.Concat(project.Dev).Select(d => NpmNames.RealName(d.Name, d.Range)).ToHashSet(StringComparer.Ordinal);
        return packages.Select(p => p with
        {
            Relationship = topLevel.Contains(NpmNames.Id(p.Name, p.Version)) && direct.Contains(p.Name) ? "direct" : "indirect",
        });
    }

    private static async Task<(List<Package> Packages, bool IsTree)> ParseLockAsync(ParseContext context, HashSet<string> topLevel, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("top level is not an object");
        }

        var collector = new PackageCollector();
        if (root.Obj("packages") is { } packages)
        {
            ReadPackagesMap(context, packages, collector);
            return ([.. collector.Packages], false);
        }

        ReadDependencyTree(context, root.Obj("dependencies"), collector, [], parentDev: false, topLevel);
        return ([.. collector.Packages], true);
    }

    /// <summary>Lockfile v2/v3: keys are install paths ("node_modules/a/node_modules/b", workspace folders, "" for the root).</summary>
    private static void ReadPackagesMap(ParseContext context, JsonElement packages, PackageCollector collector)
    {
        var entries = packages.EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

        // Workspace folders are linked from node_modules; the link key gives the name the workspace is known by.
        var workspaceNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, entry) in entries)
        {
            if (entry.Bool("link") && entry.Str("resolved") is { } target)
            {
                workspaceNames[target] = NameFromKey(key);
            }
        }

        var directNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, entry) in entries)
        {
            if (key.Length == 0 || (!key.Contains(NodeModules, StringComparison.Ordinal) && !entry.Bool("link")))
            {
                foreach (var section in new[] { "dependencies", "devDependencies", "optionalDependencies", "peerDependencies" })
                {
                    foreach (var dep in entry.Obj(section).Props())
                    {
                        directNames.Add(dep.Name);
                    }
                }
            }
        }

        foreach (var (key, entry) in entries)
        {
            if (entry.Bool("link") || entry.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var licenses = Json.Licenses(entry.Prop("license") ?? entry.Prop("licenses"));
            if (key.Length == 0)
            {
                if (entry.Str("name") is { Length: > 0 } rootName)
                {
                    var rootVersion = entry.Str("version") ?? "";
                    collector.Add(context.Package(PackageTypes.Npm, rootName, rootVersion, NpmNames.Purl(rootName, rootVersion),
                        licenses, relationship: "root", dependsOn: DependsOn(entries, key, entry)));
                }

                continue;
            }

            var inNodeModules = key.StartsWith(NodeModules, StringComparison.Ordinal) || key.Contains("/" + NodeModules, StringComparison.Ordinal);
            string name;
            string relationship;
            if (inNodeModules)
            {
                name = entry.Str("name") ?? NameFromKey(key);
                var isTopLevel = key.StartsWith(NodeModules, StringComparison.Ordinal) && key.LastIndexOf(NodeModules, StringComparison.Ordinal) == 0;
                relationship = isTopLevel && directNames.Contains(NameFromKey(key)) ? "direct" : "indirect";
            }
            else if (workspaceNames.TryGetValue(key, out var linkedName))
            {
                name = linkedName;
                relationship = "workspace";
            }
            else
            {
                // A folder no node_modules link resolves to (a broken or removed link) is not installed.
                continue;
            }

            var version = entry.Str("version") ?? "";
            if (inNodeModules && version.Length == 0)
            {
                context.Warn($"{key}: no version; skipped");
                continue;
            }

            collector.Add(context.Package(PackageTypes.Npm, name, version, NpmNames.Purl(name, version), licenses,
                dev: entry.Bool("dev"), relationship: relationship, dependsOn: DependsOn(entries, key, entry)));
        }
    }

    /// <summary>Resolves each dependency the way Node does: nearest node_modules folder up the tree.</summary>
    private static List<string> DependsOn(Dictionary<string, JsonElement> entries, string key, JsonElement entry)
    {
        var result = new List<string>();
        foreach (var section in new[] { "dependencies", "optionalDependencies" })
        {
            foreach (var dep in entry.Obj(section).Props())
            {
                if (Resolve(entries, key, dep.Name) is { } found)
                {
                    result.Add(found);
                }
            }
        }

        return result;
    }

    private static string? Resolve(Dictionary<string, JsonElement> entries, string from, string depName)
    {
        var dir = from;
        while (true)
        {
            var candidate = dir.Length == 0 ? NodeModules + depName : $"{dir}/{NodeModules}{depName}";
            if (entries.TryGetValue(candidate, out var hit))
            {
                if (hit.Bool("link") && hit.Str("resolved") is { } target && entries.TryGetValue(target, out var ws))
                {
                    return NpmNames.Id(depName, ws.Str("version") ?? "");
                }

                return hit.Str("version") is { } v ? NpmNames.Id(hit.Str("name") ?? depName, v) : null;
            }

            if (dir.Length == 0)
            {
                return null;
            }

            var idx = dir.LastIndexOf("/" + NodeModules, StringComparison.Ordinal);
            dir = idx >= 0 ? dir[..idx] : "";
        }
    }

    private static string NameFromKey(string key)
    {
        var idx = key.LastIndexOf(NodeModules, StringComparison.Ordinal);
        return idx >= 0 ? key[(idx + NodeModules.Length)..] : PathMatch.FileName(key);
    }

    /// <summary>Lockfile v1: nested "dependencies" objects mirror the node_modules tree.</summary>
    private static void ReadDependencyTree(ParseContext context, JsonElement? dependencies, PackageCollector collector, List<JsonElement> scopes, bool parentDev,
        HashSet<string> topLevel)
    {
        if (dependencies is not { } deps)
        {
            return;
        }

        scopes.Add(deps);
        foreach (var dep in deps.EnumerateObject())
        {
            var entry = dep.Value;
            var version = entry.Str("version") ?? "";
            if (version.Length > 0 && !IsNonRegistryVersion(version))
            {
                var name = dep.Name.StartsWith(NodeModules, StringComparison.Ordinal) ? dep.Name[NodeModules.Length..] : dep.Name;
                if (version.StartsWith("npm:", StringComparison.Ordinal))
                {
                    // "alias": { "version": "npm:real@1.2.3" }
                    (name, version) = NpmNames.SplitSpec(version[4..]);
                }

                var own = entry.Obj("dependencies");
                var dependsOn = entry.Obj("requires").Props()
                    .Select(r => ResolveV1(own, scopes, r.Name))
                    .OfType<string>()
                    .ToList();
                collector.Add(context.Package(PackageTypes.Npm, name, version, NpmNames.Purl(name, version),
                    dev: parentDev || entry.Bool("dev"), dependsOn: dependsOn));
                if (scopes.Count == 1)
                {
                    topLevel.Add(NpmNames.Id(name, version));
                }
            }

            // git/file/url dependencies carry no registry version to match on, but their children may.
            // Packages nested under a dev-only package are installed only for it.
            ReadDependencyTree(context, entry.Obj("dependencies"), collector, scopes, parentDev || entry.Bool("dev"), topLevel);
        }

        scopes.RemoveAt(scopes.Count - 1);
    }

    private static string? ResolveV1(JsonElement? own, List<JsonElement> scopes, string name)
    {
        if (own is { } o && o.Obj(name) is { } mine && mine.Str("version") is { } v)
        {
            return NpmNames.Id(name, v);
        }

        for (var i = scopes.Count - 1; i >= 0; i--)
        {
            if (scopes[i].Obj(name) is { } hit && hit.Str("version") is { } version)
            {
                return NpmNames.Id(name, version);
            }
        }

        return null;
    }

    private static bool IsNonRegistryVersion(string version) =>
        version.Contains("://", StringComparison.Ordinal) || version.StartsWith("file:", StringComparison.Ordinal)
        || version.StartsWith("git", StringComparison.Ordinal) || version.StartsWith("github:", StringComparison.Ordinal)
        || version.StartsWith("link:", StringComparison.Ordinal);
}
