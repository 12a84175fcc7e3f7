using System.Text.Json;
using System.Text.RegularExpressions;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Npm;

/// <summary>What a project's package.json (and its workspaces' package.json files) asks for: production and development dependencies.</summary>
internal sealed record NpmProject(IReadOnlyList<(string Name, string Range)> Prod, IReadOnlyList<(string Name, string Range)> Dev);

/// <summary>Joins a lock file with the package.json beside it: which packages are direct, which only development needs.</summary>
internal static class NpmManifest
{
    /// <summary>A project's own package.json: not an installed package, not a cached one.</summary>
    public static bool IsProjectManifest(string path) =>
        PathMatch.FileName(path) == "package.json" && !PathMatch.HasSegment(path, "node_modules") && !PathMatch.HasSegment(path, ".yarn")
        && !path.Contains("/test/fixtures/", StringComparison.Ordinal);

    /// <summary>The package.json in <paramref name="dir"/> with its workspaces' dependencies merged in; null when there is none or it is broken.</summary>
    public static async Task<NpmProject?> ReadProjectAsync(string dir, PostAnalysisInput layer, ParseContext context, CancellationToken cancellationToken)
    {
        var path = dir.Length == 0 ? "package.json" : dir + "/package.json";
        if (layer.Find(path) is not { } manifest)
        {
            return null;
        }

        var prod = new List<(string, string)>();
        var dev = new List<(string, string)>();
        try
        {
            var workspaces = await ReadAsync(manifest, prod, dev, cancellationToken).ConfigureAwait(false);
            if (workspaces.Count > 0)
            {
                foreach (var member in layer.Files.Where(f => f.Path != path && IsProjectManifest(f.Path) && InWorkspace(dir, PathMatch.Directory(f.Path), workspaces)))
                {
                    await ReadAsync(member, prod, dev, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (JsonException ex)
        {
            context.Warn($"cannot parse {path}, packages are not split into direct and dev: {ex.Message}");
            return null;
        }

        return new NpmProject(prod, dev);
    }

    /// <summary>
    /// Walks the lock's dependency graph from the manifest's dependencies: what production dependencies reach is
    /// prod, what only devDependencies reach is dev; the manifest's own dependencies are direct, the rest indirect.
    /// Packages neither reaches keep what the lock said.
    /// </summary>
    public static List<Package> Classify(List<Package> packages, NpmProject project, Func<string, string, string?> resolve)
    {
        var byId = packages.GroupBy(p => NpmNames.Id(p.Name, p.Version), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var direct = new HashSet<string>(StringComparer.Ordinal);
        HashSet<string> Reach(IEnumerable<(string Name, string Range)> roots)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<string>();
            foreach (var (name, range) in roots)
            {
                if (resolve(name, range) is { } id && byId.ContainsKey(id))
                {
                    direct.Add(id);
                    if (seen.Add(id))
                    {
                        queue.Enqueue(id);
                    }
                }
            }

            while (queue.TryDequeue(out var id))
            {
                foreach (var dep in byId.GetValueOrDefault(id)?.DependsOn ?? [])
                {
                    if (seen.Add(dep))
                    {
                        queue.Enqueue(dep);
                    }
                }
            }

            return seen;
        }

        var prod = Reach(project.Prod);
        var dev = Reach(project.Dev);
        return [.. packages.Select(p =>
        {
            var id = NpmNames.Id(p.Name, p.Version);
            if (!prod.Contains(id) && !dev.Contains(id))
            {
                return p;
            }

            return p with { Dev = !prod.Contains(id), Relationship = direct.Contains(id) ? "direct" : "indirect" };
        })];
    }

    private static async Task<List<string>> ReadAsync(AnalysisInput file, List<(string, string)> prod, List<(string, string)> dev, CancellationToken cancellationToken)
    {
        using var doc = await new ParseContext(file, "").ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("top level is not an object");
        }

        foreach (var section in new[] { "dependencies", "optionalDependencies" })
        {
            prod.AddRange(root.Obj(section).Props().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => (p.Name, p.Value.GetString()!)));
        }

        dev.AddRange(root.Obj("devDependencies").Props().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => (p.Name, p.Value.GetString()!)));
        var workspaces = root.Prop("workspaces") is { ValueKind: JsonValueKind.Object } w ? w.Arr("packages") : root.Arr("workspaces");
        return [.. workspaces.Items().Where(i => i.ValueKind == JsonValueKind.String).Select(i => i.GetString()!.Trim().TrimStart('.', '/').TrimEnd('/'))];
    }

    /// <summary>Whether a directory is one of the workspace globs ("packages/*", "apps/**") below the project.</summary>
    private static bool InWorkspace(string projectDir, string memberDir, IReadOnlyList<string> patterns)
    {
        var prefix = projectDir.Length == 0 ? "" : projectDir + "/";
        if (!memberDir.StartsWith(prefix, StringComparison.Ordinal) || memberDir.Length == projectDir.Length)
        {
            return false;
        }

        var relative = memberDir[prefix.Length..];
        return patterns.Any(p => Regex.IsMatch(relative, "^" + Regex.Escape(p)
            .Replace(@"\*\*", ".*", StringComparison.Ordinal).Replace(@"\*", "[^/]*", StringComparison.Ordinal).Replace(@"\?", "[^/]", StringComparison.Ordinal) + "$"));
    }
}
