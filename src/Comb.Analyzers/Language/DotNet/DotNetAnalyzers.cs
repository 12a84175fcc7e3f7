using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Comb.Contracts;

namespace Comb.Analyzers.Language.DotNet;

internal static class NuGet
{
    public static string Purl(string name, string version) => PackageUrl.Create(PackageTypes.NuGet, null, name, version);

    /// <summary>XML without DTD processing or external entities: image content is untrusted.</summary>
    public static async Task<XDocument> ReadXmlAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(text), settings);
        return XDocument.Load(reader);
    }
}

/// <summary>
/// *.deps.json written by the .NET SDK next to an app: "libraries" lists packages and projects, "targets"
/// says which carry assets. A package whose target entry has no runtime/native assets (a reference-only or
/// meta package) is not deployed and is skipped. A shared framework's own deps.json
/// (shared/Microsoft.NETCore.App/8.0.1/Microsoft.NETCore.App.deps.json) reports the installed runtime.
/// </summary>
internal sealed class DepsJsonAnalyzer : LanguageAnalyzer
{
    public override string Id => "dotnet-deps";

    public override int Version => 1;

    protected override string Kind => "dotnet-core";

    public override bool IsRequired(FileMeta meta) => meta.Path.EndsWith(".deps.json", StringComparison.Ordinal);

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var packages = new List<Package>();
        if (SharedFramework(context.Path) is { } framework)
        {
            packages.Add(context.Package(PackageTypes.NuGet, framework.Name, framework.Version, NuGet.Purl(framework.Name, framework.Version),
                relationship: "root", metadata: new Dictionary<string, string>(StringComparer.Ordinal) { ["kind"] = "dotnet-runtime" }));
            return packages;
        }

        var targetName = root.Obj("runtimeTarget")?.Str("name");
        var targets = root.Obj("targets");
        JsonElement? target = targetName is not null && targets?.Obj(targetName) is { } t ? t : targets.Props().Select(p => (JsonElement?)p.Value).FirstOrDefault();

        var libraries = root.Obj("libraries").Props().ToList();
        var projects = libraries.Where(l => l.Value.Str("type") == "project").Select(l => l.Name).ToList();
        var fileBase = PathMatch.FileName(context.Path)[..^".deps.json".Length];
        var rootKey = projects.FirstOrDefault(p => string.Equals(p.Split('/')[0], fileBase, StringComparison.OrdinalIgnoreCase))
            ?? (projects.Count == 1 ? projects[0] : null);
        var directKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (rootKey is not null && target?.Obj(rootKey) is { } rootEntry)
        {
            foreach (var dep in rootEntry.Obj("dependencies").Props())
            {
                if (dep.Value.ValueKind == JsonValueKind.String)
                {
                    directKeys.Add($"{dep.Name}/{dep.Value.GetString()}");
                }
            }
        }

        foreach (var library in libraries)
        {
            var type = library.Value.Str("type");
            if (type is not ("package" or "project"))
            {
                continue;
            }

            var slash = library.Name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                context.Warn($"library key without version: {library.Name}");
                continue;
            }

            var name = library.Name[..slash];
            var version = library.Name[(slash + 1)..];
            var entry = target?.Obj(library.Name);
            if (entry is { } e && !HasAssets(e) && library.Name != rootKey)
            {
                continue; // reference-only / meta package: nothing of it ships with the app
            }

            var relationship = library.Name == rootKey ? "root" : type == "project" ? "workspace" : directKeys.Contains(library.Name) ? "direct" : rootKey is null ? null : "indirect";
            var dependsOn = entry?.Obj("dependencies").Props()
                .Where(d => d.Value.ValueKind == JsonValueKind.String)
                .Select(d => $"{d.Name}@{d.Value.GetString()}")
                .ToList();
            packages.Add(context.Package(PackageTypes.NuGet, name, version, NuGet.Purl(name, version), relationship: relationship, dependsOn: dependsOn));
        }

        return packages;
    }

    private static bool HasAssets(JsonElement entry) =>
        entry.Obj("runtime").Props().Any() || entry.Obj("runtimeTargets").Props().Any() || entry.Obj("native").Props().Any()
        || entry.Obj("resources").Props().Any() || entry.Obj("compile").Props().Any();

    /// <summary>".../shared/Microsoft.NETCore.App/8.0.1/Microsoft.NETCore.App.deps.json" -> (Microsoft.NETCore.App, 8.0.1).</summary>
    private static (string Name, string Version)? SharedFramework(string path)
    {
        var parts = path.Split('/');
        if (parts.Length < 4 || parts[^4] != "shared")
        {
            return null;
        }

        var name = parts[^3];
        var version = parts[^2];
        return parts[^1] == name + ".deps.json" && version.Length > 0 && char.IsAsciiDigit(version[0]) ? (name, version) : null;
    }
}

/// <summary>packages.lock.json: per target framework, name -> {type: Direct|Transitive|CentralTransitive|Project, resolved}.</summary>
internal sealed class PackagesLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "nuget-packages-lock";

    public override int Version => 1;

    protected override string Kind => "nuget";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "packages.lock.json";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var seen = new Dictionary<string, Package>(StringComparer.OrdinalIgnoreCase);
        foreach (var framework in doc.RootElement.Obj("dependencies").Props())
        {
            var resolved = framework.Value.EnumerateObject()
                .Where(p => p.Value.Str("resolved") is not null)
                .ToDictionary(p => p.Name, p => p.Value.Str("resolved")!, StringComparer.OrdinalIgnoreCase);
            foreach (var dep in framework.Value.EnumerateObject())
            {
                var type = dep.Value.Str("type");
                var version = dep.Value.Str("resolved");
                if (type == "Project" || string.IsNullOrEmpty(version))
                {
                    continue;
                }

                var key = $"{dep.Name}@{version}";
                if (seen.ContainsKey(key))
                {
                    continue;
                }

                var dependsOn = dep.Value.Obj("dependencies").Props()
                    .Where(d => resolved.ContainsKey(d.Name))
                    .Select(d => $"{d.Name}@{resolved[d.Name]}")
                    .ToList();
                seen[key] = context.Package(PackageTypes.NuGet, dep.Name, version, NuGet.Purl(dep.Name, version),
                    relationship: type == "Direct" ? "direct" : "indirect", dependsOn: dependsOn);
            }
        }

        return seen.Values;
    }
}

/// <summary>packages.config (classic NuGet): &lt;package id version developmentDependency/&gt;.</summary>
internal sealed class PackagesConfigAnalyzer : LanguageAnalyzer
{
    public override string Id => "nuget-packages-config";

    public override int Version => 1;

    protected override string Kind => "packages-config";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "packages.config";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var doc = await NuGet.ReadXmlAsync(context, cancellationToken).ConfigureAwait(false);
        return doc.Descendants("package")
            .Select(p => (Id: (string?)p.Attribute("id"), Version: (string?)p.Attribute("version"), Dev: (string?)p.Attribute("developmentDependency")))
            .Where(p => !string.IsNullOrEmpty(p.Id) && !string.IsNullOrEmpty(p.Version))
            .Select(p => context.Package(PackageTypes.NuGet, p.Id!, p.Version!, NuGet.Purl(p.Id!, p.Version!),
                dev: string.Equals(p.Dev, "true", StringComparison.OrdinalIgnoreCase)))
            .ToList();
    }
}

/// <summary>
/// Central package management: Directory.Packages.props / Packages.props with &lt;PackageVersion&gt; or
/// &lt;PackageReference Include|Update Version&gt;. Names or versions that are MSBuild properties ("$(X)") are skipped.
/// </summary>
internal sealed class PackagesPropsAnalyzer : LanguageAnalyzer
{
    public override string Id => "nuget-packages-props";

    public override int Version => 1;

    protected override string Kind => "packages-props";

    public override bool IsRequired(FileMeta meta) =>
        string.Equals(PathMatch.FileName(meta.Path), "Directory.Packages.props", StringComparison.OrdinalIgnoreCase)
        || string.Equals(PathMatch.FileName(meta.Path), "Packages.props", StringComparison.OrdinalIgnoreCase);

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var doc = await NuGet.ReadXmlAsync(context, cancellationToken).ConfigureAwait(false);
        var packages = new List<Package>();
        foreach (var element in doc.Descendants().Where(e => e.Name.LocalName is "PackageVersion" or "PackageReference"))
        {
            var name = ((string?)element.Attribute("Include") ?? (string?)element.Attribute("Update"))?.Trim();
            var version = ((string?)element.Attribute("Version") ?? element.Elements().FirstOrDefault(c => c.Name.LocalName == "Version")?.Value)?.Trim();
            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version) || name.Contains("$(", StringComparison.Ordinal) || version.Contains("$(", StringComparison.Ordinal))
            {
                continue;
            }

            packages.Add(context.Package(PackageTypes.NuGet, name, version, NuGet.Purl(name, version)));
        }

        return packages;
    }
}
