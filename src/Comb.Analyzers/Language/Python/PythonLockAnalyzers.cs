using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Python;

/// <summary>Pipfile.lock: "default" (runtime) and "develop" sections of name -> {"version": "==1.2.3"}.</summary>
internal sealed class PipfileLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "pipfile-lock";

    public override int Version => 1;

    protected override string Kind => "pipenv";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "Pipfile.lock";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var packages = new List<Package>();
        foreach (var (section, dev) in new[] { ("default", false), ("develop", true) })
        {
            foreach (var dep in doc.RootElement.Obj(section).Props())
            {
                var version = dep.Value.Str("version")?.TrimStart('=').Trim();
                if (string.IsNullOrEmpty(version))
                {
                    continue; // git/path dependencies carry no version
                }

                packages.Add(context.Package(PackageTypes.PyPI, dep.Name, version, PythonNames.Purl(dep.Name, version), dev: dev));
            }
        }

        return packages;
    }
}

/// <summary>poetry.lock: [[package]] tables; dev-ness from "category" (poetry 1.x) or "groups" (poetry 2).</summary>
internal sealed class PoetryLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "poetry-lock";

    public override int Version => 1;

    protected override string Kind => "poetry";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "poetry.lock";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var toml = TomlDoc.Parse(await context.ReadTextAsync(cancellationToken).ConfigureAwait(false), context.Path);
        var tables = toml.Tables("package").ToList();
        var versions = tables
            .Where(t => t.Str("name") is not null)
            .GroupBy(t => PythonNames.Normalize(t.Str("name")!), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(t => t.Str("version") ?? "").ToList(), StringComparer.Ordinal);
        var packages = new List<Package>();
        foreach (var table in tables)
        {
            var name = table.Str("name");
            var version = table.Str("version");
            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
            {
                continue;
            }

            var groups = table.Array("groups").OfType<string>().ToList();
            var dev = table.Str("category") == "dev" || (groups.Count > 0 && !groups.Contains("main"));
            var dependsOn = new List<string>();
            if (table.Table("dependencies") is { } deps)
            {
                foreach (var dep in deps.Keys)
                {
                    // A lock holds one version per package (per platform marker); use it when unambiguous.
                    if (versions.TryGetValue(PythonNames.Normalize(dep), out var vs) && vs.Count == 1)
                    {
                        dependsOn.Add($"{PythonNames.Normalize(dep)}@{vs[0]}");
                    }
                }
            }

            packages.Add(context.Package(PackageTypes.PyPI, name, version, PythonNames.Purl(name, version), dev: dev, dependsOn: dependsOn));
        }

        return packages;
    }
}

/// <summary>uv.lock: [[package]] tables; the project itself has an editable/virtual source.</summary>
internal sealed class UvLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "uv-lock";

    public override int Version => 1;

    protected override string Kind => "uv";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "uv.lock";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var toml = TomlDoc.Parse(await context.ReadTextAsync(cancellationToken).ConfigureAwait(false), context.Path);
        var tables = toml.Tables("package").ToList();
        var root = tables.FirstOrDefault(t => t.Table("source") is { } s && (s.ContainsKey("editable") || s.ContainsKey("virtual")) && s.Str("editable") is "." or null && s.Str("virtual") is "." or null);
        var byName = tables.Where(t => t.Str("name") is not null).GroupBy(t => PythonNames.Normalize(t.Str("name")!)).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        // Dev-only: reachable from the root's dev-dependencies but not from its dependencies.
        var prod = new HashSet<string>(StringComparer.Ordinal);
        var devOnly = new HashSet<string>(StringComparer.Ordinal);
        var directNames = new HashSet<string>(StringComparer.Ordinal);
        if (root is not null)
        {
            var prodStart = Deps(root, "dependencies").Concat(root.Table("optional-dependencies")?.Values.OfType<Tomlyn.Model.TomlTableArray>().SelectMany(a => a).Select(d => d.Str("name")).OfType<string>() ?? []).ToList();
            var devStart = (root.Table("dev-dependencies")?.Values ?? []).OfType<Tomlyn.Model.TomlTableArray>().SelectMany(a => a).Select(d => d.Str("name")).OfType<string>().ToList();
            directNames.UnionWith(prodStart.Concat(devStart).Select(PythonNames.Normalize));
            prod = Reach(prodStart, byName);
            devOnly = Reach(devStart, byName);
            devOnly.ExceptWith(prod);
        }

        var packages = new List<Package>();
        foreach (var table in tables)
        {
            var name = table.Str("name");
            var version = table.Str("version");
            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
            {
                continue;
            }

            var key = PythonNames.Normalize(name);
            var relationship = ReferenceEquals(table, root) ? "root" : root is null ? null : directNames.Contains(key) ? "direct" : "indirect";
            var dependsOn = Deps(table, "dependencies")
                .Select(d => byName.GetValueOrDefault(PythonNames.Normalize(d)))
                .OfType<Tomlyn.Model.TomlTable>()
                .Select(d => $"{d.Str("name")}@{d.Str("version")}")
                .ToList();
            packages.Add(context.Package(PackageTypes.PyPI, name, version, PythonNames.Purl(name, version),
                dev: devOnly.Contains(key), relationship: relationship, dependsOn: dependsOn));
        }

        return packages;
    }

    private static IEnumerable<string> Deps(Tomlyn.Model.TomlTable table, string key) =>
        table.Tables(key).Select(d => d.Str("name")).OfType<string>();

    private static HashSet<string> Reach(IEnumerable<string> start, Dictionary<string, Tomlyn.Model.TomlTable> byName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(start.Select(PythonNames.Normalize));
        while (queue.TryDequeue(out var name))
        {
            if (!seen.Add(name) || !byName.TryGetValue(name, out var t))
            {
                continue;
            }

            foreach (var d in Deps(t, "dependencies"))
            {
                queue.Enqueue(PythonNames.Normalize(d));
            }
        }

        return seen;
    }
}

/// <summary>pylock.toml (PEP 751): [[packages]] tables with name and version.</summary>
internal sealed class PylockAnalyzer : LanguageAnalyzer
{
    public override string Id => "pylock-toml";

    public override int Version => 1;

    protected override string Kind => "pylock";

    public override bool IsRequired(FileMeta meta)
    {
        var file = PathMatch.FileName(meta.Path);
        return file == "pylock.toml" || (file.StartsWith("pylock.", StringComparison.Ordinal) && file.EndsWith(".toml", StringComparison.Ordinal));
    }

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var toml = TomlDoc.Parse(await context.ReadTextAsync(cancellationToken).ConfigureAwait(false), context.Path);
        var packages = new List<Package>();
        foreach (var table in toml.Tables("packages"))
        {
            var name = table.Str("name");
            var version = table.Str("version");
            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
            {
                continue; // VCS/directory entries may omit the version
            }

            packages.Add(context.Package(PackageTypes.PyPI, name, version, PythonNames.Purl(name, version)));
        }

        return packages;
    }
}
