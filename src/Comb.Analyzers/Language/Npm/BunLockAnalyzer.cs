using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Npm;

/// <summary>bun.lock (text lockfile, JSON with trailing commas): packages map to ["name@version", registry, {deps}, integrity].</summary>
internal sealed class BunLockAnalyzer : LanguageAnalyzer
{
    private static readonly string[] ProdSections = ["dependencies", "optionalDependencies", "peerDependencies"];

    public override string Id => "bun-lock";

    public override int Version => 1;

    protected override string Kind => "bun";

    public override bool IsRequired(FileMeta meta) =>
        PathMatch.FileName(meta.Path) == "bun.lock" && !PathMatch.HasSegment(meta.Path, "node_modules");

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var workspaces = root.Obj("workspaces");
        var packages = root.Obj("packages");

        // key in "packages" -> (name, version, dependency names)
        var resolved = new Dictionary<string, (string Name, string Version, List<string> Deps)>(StringComparer.Ordinal);
        var workspaceKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in packages.Props())
        {
            if (entry.Value.ValueKind != JsonValueKind.Array || entry.Value.GetArrayLength() == 0 || entry.Value[0].ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var (name, version) = NpmNames.SplitSpec(entry.Value[0].GetString()!);
            if (version.StartsWith("workspace:", StringComparison.Ordinal))
            {
                workspaceKeys[version["workspace:".Length..]] = entry.Name;
                continue;
            }

            if (version.StartsWith("npm:", StringComparison.Ordinal))
            {
                version = version[4..];
            }

            if (NpmNames.IsLocalProtocol(version) || version.Length == 0)
            {
                continue;
            }

            var deps = new List<string>();
            foreach (var item in entry.Value.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
            {
                foreach (var section in ProdSections)
                {
                    deps.AddRange(item.Obj(section).Props().Select(p => p.Name));
                }
            }

            resolved[entry.Name] = (name, version, deps);
        }

        // bun nests conflicting versions as "parent/dep": resolve a dependency from the deepest matching key.
        string? Lookup(string parentKey, string dep)
        {
            var prefix = parentKey;
            while (true)
            {
                var key = prefix.Length == 0 ? dep : $"{prefix}/{dep}";
                if (resolved.ContainsKey(key))
                {
                    return key;
                }

                if (prefix.Length == 0)
                {
                    return null;
                }

                var slash = prefix.LastIndexOf('/');
                prefix = slash < 0 ? "" : prefix[..slash];
                if (prefix.StartsWith('@') && !prefix.Contains('/', StringComparison.Ordinal))
                {
                    prefix = "";
                }
            }
        }

        var prodDirect = new HashSet<string>(StringComparer.Ordinal);
        var devDirect = new HashSet<string>(StringComparer.Ordinal);
        var collector = new PackageCollector();
        foreach (var ws in workspaces.Props())
        {
            foreach (var section in ProdSections)
            {
                prodDirect.UnionWith(ws.Value.Obj(section).Props().Select(p => p.Name));
            }

            devDirect.UnionWith(ws.Value.Obj("devDependencies").Props().Select(p => p.Name));
            if (ws.Value.Str("name") is { Length: > 0 } wsName && ws.Value.Str("version") is { Length: > 0 } wsVersion)
            {
                collector.Add(context.Package(PackageTypes.Npm, wsName, wsVersion, NpmNames.Purl(wsName, wsVersion),
                    relationship: ws.Name.Length == 0 ? "root" : "workspace"));
            }
        }

        var prodReach = Reach(prodDirect.Where(resolved.ContainsKey), resolved, Lookup);
        var devReach = Reach(devDirect.Where(resolved.ContainsKey), resolved, Lookup);
        foreach (var (key, (name, version, deps)) in resolved)
        {
            var dependsOn = deps.Select(d => Lookup(key, d)).OfType<string>().Select(k => NpmNames.Id(resolved[k].Name, resolved[k].Version)).ToList();
            var direct = !key.Contains('/', StringComparison.Ordinal) || (key.StartsWith('@') && key.Count(c => c == '/') == 1);
            var isDirect = direct && (prodDirect.Contains(key) || devDirect.Contains(key));
            collector.Add(context.Package(PackageTypes.Npm, name, version, NpmNames.Purl(name, version),
                dev: !prodReach.Contains(key) && devReach.Contains(key),
                relationship: isDirect ? "direct" : "indirect", dependsOn: dependsOn));
        }

        return collector.Packages;
    }

    private static HashSet<string> Reach(IEnumerable<string> start, Dictionary<string, (string Name, string Version, List<string> Deps)> resolved,
        Func<string, string, string?> lookup)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(start);
        while (queue.TryDequeue(out var key))
        {
            if (!seen.Add(key))
            {
                continue;
            }

            foreach (var dep in resolved[key].Deps)
            {
                if (lookup(key, dep) is { } next)
                {
                    queue.Enqueue(next);
                }
            }
        }

        return seen;
    }
}
