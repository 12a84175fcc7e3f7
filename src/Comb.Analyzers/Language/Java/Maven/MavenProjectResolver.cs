using Comb.Contracts;

namespace Comb.Analyzers.Language.Java.Maven;

/// <summary>
/// The artifacts one Maven project uses: its effective pom's dependencies, then, breadth first, the dependencies of
/// each from the poms the layer holds (the local repository, other project poms). As Maven: nearest declaration
/// wins, a hard requirement ("[1.2.3]") overrides a soft one, only compile and runtime dependencies are transitive,
/// optional ones are not, exclusions cut whole subtrees, and the project's dependencyManagement pins transitive
/// versions. Modules listed in &lt;modules&gt; are resolved as their own projects ("workspace") and reported with it.
/// </summary>
internal sealed class MavenProjectResolver(EffectivePomBuilder builder, ParseContext context)
{
    private readonly HashSet<string> _projects = new(StringComparer.Ordinal);

    public List<Package> Resolve(string rootPath)
    {
        var packages = new List<Package>();
        _projects.Add(rootPath);
        ResolveProject(rootPath, "root", packages);
        if (IsIntegrationTestProject(rootPath))
        {
            // maven-invoker-plugin projects (src/it/NAME/pom.xml) are test fixtures of the real project.
            return [.. packages.Select(p => p with { Dev = true })];
        }

        return packages;
    }

    private Package? ResolveProject(string path, string relationship, List<Package> output)
    {
        if (builder.Build(path) is not { } model)
        {
            return null;
        }

        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        var queue = new Queue<Item>();
        var direct = new List<string>();
        foreach (var dep in DirectDependencies(model))
        {
            queue.Enqueue(new Item(dep.GroupId, dep.ArtifactId, MavenVersion.Parse(dep.Version), "direct", Exclusions(dep, new HashSet<string>(StringComparer.Ordinal)), dep.Scope == "test"));
            direct.Add(dep.Key);
        }

        var modules = new List<Package>();
        foreach (var module in model.Modules)
        {
            if (builder.Index.Relative(path, module) is { } modulePath && _projects.Add(modulePath)
                && ResolveProject(modulePath, "workspace", output) is { } modulePackage)
            {
                modules.Add(modulePackage);
            }
        }

        while (queue.TryDequeue(out var item))
        {
            var name = item.GroupId + ":" + item.ArtifactId;
            if (nodes.TryGetValue(name, out var existing))
            {
                if (existing.Version.Hard || !item.Version.Hard)
                {
                    continue;
                }

                item = item with { Relationship = existing.Relationship == "direct" ? "direct" : item.Relationship };
            }

            var node = new Node(item.Version, item.Relationship, item.Dev, [], []);
            nodes[name] = node;
            if (item.Version.Text.Length == 0 || builder.Index.Find(item.GroupId, item.ArtifactId, item.Version.Text) is not { } pomPath
                || builder.Build(pomPath) is not { } pom)
            {
                continue; // no pom for it in the layer: the artifact is known, its dependencies are not
            }

            node.Licenses.AddRange(pom.Licenses);
            foreach (var dep in TransitiveDependencies(pom, model.Management, item.Exclusions))
            {
                node.Children.Add(dep.Key);
                queue.Enqueue(new Item(dep.GroupId, dep.ArtifactId, MavenVersion.Parse(dep.Version), "indirect", Exclusions(dep, item.Exclusions), item.Dev));
            }
        }

        string? IdOf(string name) => nodes.TryGetValue(name, out var n) && n.Version.Text.Length > 0 ? $"{name}@{n.Version.Text}" : null;

        var project = Package(model.GroupId, model.ArtifactId, EffectivePom.Definite(model.Version), relationship, false, model.Licenses,
            [.. direct.Select(IdOf).OfType<string>().Concat(modules.Select(m => $"{m.Name}@{m.Version}")).Distinct(StringComparer.Ordinal)], path);
        if (project is not null)
        {
            output.Add(project);
        }

        foreach (var (name, node) in nodes)
        {
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (Package(name[..colon], name[(colon + 1)..], node.Version.Text, node.Relationship, node.Dev, node.Licenses,
                [.. node.Children.Select(IdOf).OfType<string>().Distinct(StringComparer.Ordinal)], path) is { } package)
            {
                output.Add(package);
            }
        }

        return project;
    }

    /// <summary>The project's own dependencies: managed values filled in; provided and system ones are not shipped.</summary>
    private static IEnumerable<PomDependency> DirectDependencies(EffectivePom model)
    {
        foreach (var raw in model.RawDependencies)
        {
            var dep = Managed(EffectivePomBuilder.Interpolated(raw, model.Properties), model.Management, model.Properties, overrideVersion: false);
            if (dep.GroupId.Length == 0 || dep.ArtifactId.Length == 0 || dep.Scope is "provided" or "system" or "import")
            {
                continue;
            }

            yield return dep;
        }
    }

    /// <summary>A dependency's dependencies that reach the project: compile/runtime, not optional, not excluded.</summary>
    private static IEnumerable<PomDependency> TransitiveDependencies(EffectivePom pom, IReadOnlyList<PomDependency> projectManagement, IReadOnlySet<string> exclusions)
    {
        foreach (var raw in pom.RawDependencies)
        {
            var dep = Managed(EffectivePomBuilder.Interpolated(raw, pom.Properties), pom.Management, pom.Properties, overrideVersion: false);
            dep = Managed(dep, projectManagement, pom.Properties, overrideVersion: true);
            if (dep.GroupId.Length == 0 || dep.ArtifactId.Length == 0 || dep.Scope is not ("" or "compile" or "runtime") || dep.Optional || IsExcluded(exclusions, dep))
            {
                continue;
            }

            yield return dep;
        }
    }

    /// <summary>
    /// Fills a dependency from dependencyManagement: empty version and scope (or, for the project's management
    /// applied to transitive dependencies, an overriding version and scope, except that test scope stays test).
    /// </summary>
    private static PomDependency Managed(PomDependency dep, IReadOnlyList<PomDependency> management, IReadOnlyDictionary<string, string> properties, bool overrideVersion)
    {
        var managed = management.FirstOrDefault(m => m.Key == dep.Key);
        if (managed is null)
        {
            return dep;
        }

        var version = overrideVersion ? (managed.Version.Length > 0 ? managed.Version : dep.Version) : (dep.Version.Length > 0 ? dep.Version : managed.Version);
        var scope = overrideVersion ? (managed.Scope.Length > 0 && dep.Scope != "test" ? managed.Scope : dep.Scope) : (dep.Scope.Length > 0 ? dep.Scope : managed.Scope);
        return dep with
        {
            Version = EffectivePom.Interpolate(version, properties),
            Scope = EffectivePom.Interpolate(scope, properties),
            Optional = dep.Optional || managed.Optional,
            Exclusions = [.. dep.Exclusions, .. managed.Exclusions],
        };
    }

    private static HashSet<string> Exclusions(PomDependency dep, IReadOnlySet<string> inherited)
    {
        var set = new HashSet<string>(inherited, StringComparer.Ordinal);
        foreach (var e in dep.Exclusions)
        {
            set.Add(e.GroupId + ":" + e.ArtifactId);
        }

        return set;
    }

    private static bool IsExcluded(IReadOnlySet<string> exclusions, PomDependency dep) =>
        exclusions.Contains(dep.Key) || exclusions.Any(e =>
        {
            var colon = e.IndexOf(':', StringComparison.Ordinal);
            var (g, a) = colon < 0 ? (e, "*") : (e[..colon], e[(colon + 1)..]);
            return (g == "*" || g == dep.GroupId) && (a == "*" || a == dep.ArtifactId);
        });

    private static bool IsIntegrationTestProject(string path)
    {
        var parts = path.Split('/');
        return parts.Length >= 4 && parts[^4] is "src" or "target" && parts[^3] == "it";
    }

    private Package? Package(string groupId, string artifactId, string version, string relationship, bool dev, IReadOnlyList<string> licenses,
        IReadOnlyList<string> dependsOn, string path)
    {
        if (groupId.Length == 0 || artifactId.Length == 0)
        {
            return null;
        }

        version = EffectivePom.Definite(version);
        return context.Package(PackageTypes.Maven, $"{groupId}:{artifactId}", version,
            PackageUrl.Create(PackageTypes.Maven, groupId, artifactId, version.Length == 0 ? null : version),
            licenses, dev: dev, relationship: relationship, dependsOn: dependsOn,
            metadata: new Dictionary<string, string>(StringComparer.Ordinal) { ["groupId"] = groupId, ["artifactId"] = artifactId }, path: path);
    }

    private sealed record Item(string GroupId, string ArtifactId, MavenVersion Version, string Relationship, IReadOnlySet<string> Exclusions, bool Dev);

    private sealed record Node(MavenVersion Version, string Relationship, bool Dev, List<string> Licenses, List<string> Children);
}

/// <summary>A dependency's version requirement: "1.2.3" (soft) or "[1.2.3]" (hard); other ranges name no one version.</summary>
internal readonly record struct MavenVersion(string Text, bool Hard)
{
    public static MavenVersion Parse(string value)
    {
        var text = EffectivePom.Definite(value.Trim());
        var hard = text.Length > 2 && text[0] == '[' && text[^1] == ']';
        if (hard)
        {
            text = text[1..^1].Trim();
        }

        return text.AsSpan().IndexOfAny(",()[]") >= 0 ? new MavenVersion("", false) : new MavenVersion(text, hard);
    }
}
