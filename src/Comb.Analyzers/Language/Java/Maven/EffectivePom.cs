using System.Text.RegularExpressions;

namespace Comb.Analyzers.Language.Java.Maven;

/// <summary>
/// A pom after inheritance: coordinates and licences taken from the parent where the pom has none, properties merged
/// (the pom's own win), dependencies and managed dependencies merged by groupId:artifactId (the pom's own win), and
/// every value interpolated with the merged properties. Managed dependencies include those of imported BOMs.
/// </summary>
internal sealed partial record EffectivePom
{
    public required string Path { get; init; }
    public required string GroupId { get; init; }
    public required string ArtifactId { get; init; }
    public required string Version { get; init; }
    public IReadOnlyList<string> Licenses { get; init; } = [];
    public IReadOnlyList<string> Modules { get; init; } = [];
    public required IReadOnlyDictionary<string, string> Properties { get; init; }

    /// <summary>Managed dependencies as written (own first, then the parent's), before interpolation; imports not yet expanded.</summary>
    public IReadOnlyList<PomDependency> RawManagement { get; init; } = [];

    /// <summary>Dependencies as written (own first, then the parent's not redeclared), before interpolation.</summary>
    public IReadOnlyList<PomDependency> RawDependencies { get; init; } = [];

    /// <summary>Managed dependencies interpolated, imported BOMs expanded after the pom's own entries.</summary>
    public IReadOnlyList<PomDependency> Management { get; init; } = [];

    public string Name => GroupId + ":" + ArtifactId;

    /// <summary>Replaces ${name} with property values (recursively, loops cut); an unknown property stays as written.</summary>
    public static string Interpolate(string value, IReadOnlyDictionary<string, string> properties)
    {
        var result = value;
        for (var depth = 0; depth < 16 && result.Contains("${", StringComparison.Ordinal); depth++)
        {
            var next = Placeholder().Replace(result, m => properties.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
            if (next == result)
            {
                break;
            }

            result = next;
        }

        return result.Trim();
    }

    /// <summary>A value still holding a placeholder names nothing definite.</summary>
    public static string Definite(string value) => value.Contains("${", StringComparison.Ordinal) ? "" : value;

    [GeneratedRegex(@"\$\{([^}\s]+)\}")]
    private static partial Regex Placeholder();
}

/// <summary>Builds effective poms from a <see cref="PomIndex"/>, resolving parents by relativePath, ../pom.xml, then coordinates.</summary>
internal sealed class EffectivePomBuilder(PomIndex index)
{
    private const int MaxDepth = 32;

    private readonly Dictionary<string, EffectivePom?> _built = new(StringComparer.Ordinal);
    private readonly HashSet<string> _building = new(StringComparer.Ordinal);

    public PomIndex Index => index;

    public EffectivePom? Build(string path) => Build(path, 0);

    private EffectivePom? Build(string path, int depth)
    {
        if (_built.TryGetValue(path, out var done))
        {
            return done;
        }

        if (depth > MaxDepth || !_building.Add(path) || index.Get(path) is not { } pom)
        {
            return null;
        }

        try
        {
            var parent = pom.Parent is { } p ? FindParent(pom, p, depth) : null;
            var merged = Merge(pom, parent);
            var effective = merged with { Management = Management(merged, depth) };
            _built[path] = effective;
            return effective;
        }
        finally
        {
            _building.Remove(path);
        }
    }

    private EffectivePom? FindParent(PomDocument pom, PomParent parent, int depth)
    {
        // As Maven: relativePath (default ../pom.xml; an empty element turns the local lookup off) when the pom there
        // is the parent named, else the repository. Like Trivy, ../pom.xml is also tried when relativePath misses.
        string[] relatives = parent.RelativePath switch
        {
            null => ["../pom.xml"],
            "" => [],
            var set => [set, "../pom.xml"],
        };
        foreach (var relative in relatives.Distinct(StringComparer.Ordinal))
        {
            if (index.Relative(pom.Path, relative) is { } candidate && candidate != pom.Path
                && index.Get(candidate) is { } doc && doc.ArtifactId == parent.ArtifactId)
            {
                return Build(candidate, depth + 1);
            }
        }

        return index.Find(parent.GroupId ?? "", parent.ArtifactId ?? "", parent.Version ?? "") is { } found && found != pom.Path
            ? Build(found, depth + 1)
            : null;
    }

    private static EffectivePom Merge(PomDocument pom, EffectivePom? parent)
    {
        var groupId = pom.GroupId ?? parent?.GroupId ?? pom.Parent?.GroupId ?? "";
        var artifactId = pom.ArtifactId ?? "";
        var version = pom.Version ?? parent?.Version ?? pom.Parent?.Version ?? "";

        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parent?.Properties ?? new Dictionary<string, string>())
        {
            properties[key] = value;
        }

        foreach (var (key, value) in pom.Properties)
        {
            properties[key] = value;
        }

        // Model values outrank <properties> of the same name.
        void Model(string name, string? value)
        {
            if (value is not null)
            {
                properties["project." + name] = value;
                properties["pom." + name] = value;
                properties[name] = value;
            }
        }

        Model("groupId", groupId);
        Model("artifactId", artifactId);
        Model("version", version);
        Model("packaging", pom.Packaging ?? "jar");
        Model("parent.groupId", pom.Parent?.GroupId ?? parent?.GroupId);
        Model("parent.artifactId", pom.Parent?.ArtifactId ?? parent?.ArtifactId);
        Model("parent.version", pom.Parent?.Version ?? parent?.Version);
        properties["project.basedir"] = PathMatch.Directory(pom.Path);
        properties["basedir"] = PathMatch.Directory(pom.Path);

        var resolvedVersion = EffectivePom.Interpolate(version, properties);
        var resolvedGroup = EffectivePom.Interpolate(groupId, properties);
        Model("groupId", resolvedGroup);
        Model("version", resolvedVersion);

        return new EffectivePom
        {
            Path = pom.Path,
            GroupId = resolvedGroup,
            ArtifactId = EffectivePom.Interpolate(artifactId, properties),
            Version = resolvedVersion,
            Licenses = pom.Licenses.Count > 0 ? pom.Licenses : parent?.Licenses ?? [],
            Modules = pom.Modules,
            Properties = properties,
            RawManagement = MergeByKey(pom.DependencyManagement, parent?.RawManagement),
            RawDependencies = MergeByKey(pom.Dependencies, parent?.RawDependencies),
        };
    }

    private static List<PomDependency> MergeByKey(IReadOnlyList<PomDependency> own, IReadOnlyList<PomDependency>? inherited)
    {
        var seen = new HashSet<string>(own.Select(d => d.Key), StringComparer.Ordinal);
        return [.. own, .. (inherited ?? []).Where(d => seen.Add(d.Key))];
    }

    /// <summary>Managed dependencies interpolated with the pom's properties; import-scoped BOMs expanded after the rest.</summary>
    private List<PomDependency> Management(EffectivePom pom, int depth)
    {
        var result = new List<PomDependency>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var imports = new List<PomDependency>();
        foreach (var raw in pom.RawManagement)
        {
            var dep = Interpolated(raw, pom.Properties);
            if (dep.Scope == "import")
            {
                imports.Add(dep);
            }
            else if (seen.Add(dep.Key))
            {
                result.Add(dep);
            }
        }

        foreach (var import in imports)
        {
            if (index.Find(import.GroupId, import.ArtifactId, import.Version) is { } bomPath && Build(bomPath, depth + 1) is { } bom)
            {
                result.AddRange(bom.Management.Where(d => seen.Add(d.Key)));
            }
        }

        return result;
    }

    public static PomDependency Interpolated(PomDependency dep, IReadOnlyDictionary<string, string> properties) => dep with
    {
        GroupId = EffectivePom.Interpolate(dep.GroupId, properties),
        ArtifactId = EffectivePom.Interpolate(dep.ArtifactId, properties),
        Version = EffectivePom.Interpolate(dep.Version, properties),
        Scope = EffectivePom.Interpolate(dep.Scope, properties),
    };
}
