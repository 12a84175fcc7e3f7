using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Java;

internal static class Maven
{
    public static Package Package(ParseContext context, string groupId, string artifactId, string version, bool dev = false,
        string? relationship = null, IReadOnlyList<string>? licenses = null) =>
        context.Package(PackageTypes.Maven, $"{groupId}:{artifactId}", version,
            PackageUrl.Create(PackageTypes.Maven, groupId, artifactId, version.Length == 0 ? null : version),
            licenses, dev: dev, relationship: relationship,
            metadata: new Dictionary<string, string>(StringComparer.Ordinal) { ["groupId"] = groupId, ["artifactId"] = artifactId });
}

/// <summary>gradle.lockfile: "group:artifact:version=configuration,..."; dev when every configuration is a test one.</summary>
internal sealed class GradleLockfileAnalyzer : LanguageAnalyzer
{
    public override string Id => "gradle-lockfile";

    public override int Version => 1;

    protected override string Kind => "gradle";

    public override bool IsRequired(FileMeta meta) => meta.Path.EndsWith(".lockfile", StringComparison.Ordinal)
        && (PathMatch.FileName(meta.Path) == "gradle.lockfile" || PathMatch.HasSegment(meta.Path, "dependency-locks"));

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var packages = new List<Package>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            var coordinates = (eq >= 0 ? line[..eq] : line).Split(':');
            if (coordinates.Length != 3 || coordinates.Any(c => c.Length == 0))
            {
                continue; // "empty=" and other bookkeeping lines
            }

            var configurations = eq >= 0 ? line[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            var dev = configurations.Length > 0 && configurations.All(c => c.StartsWith("test", StringComparison.OrdinalIgnoreCase));
            packages.Add(Maven.Package(context, coordinates[0], coordinates[1], coordinates[2], dev));
        }

        return packages;
    }
}

/// <summary>sbt-dependency-lock's build.sbt.lock (JSON): dependencies with org/name/version/configurations.</summary>
internal sealed class SbtLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "sbt-lockfile";

    public override int Version => 1;

    protected override string Kind => "sbt";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "build.sbt.lock";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var packages = new List<Package>();
        foreach (var dep in doc.RootElement.Arr("dependencies").Items())
        {
            var org = dep.Str("org");
            var name = dep.Str("name");
            var version = dep.Str("version");
            if (string.IsNullOrEmpty(org) || string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
            {
                continue;
            }

            var configurations = dep.Arr("configurations").Items().Where(c => c.ValueKind == JsonValueKind.String).Select(c => c.GetString()!).ToList();
            var dev = configurations.Count > 0 && configurations.All(c => c.StartsWith("test", StringComparison.OrdinalIgnoreCase));
            packages.Add(Maven.Package(context, org, name, version, dev));
        }

        return packages;
    }
}

/// <summary>
/// pom.xml: the project and the dependencies it declares, with ${properties} and dependencyManagement
/// resolved within the same file. Parent POMs and the local repository are other files, so versions
/// only they define stay empty (the dependency is still listed); version ranges are not resolved.
/// </summary>
internal sealed partial class PomXmlAnalyzer : LanguageAnalyzer
{
    public override string Id => "maven-pom";

    public override int Version => 1;

    protected override string Kind => "pom";

    public override bool IsRequired(FileMeta meta) =>
        // Only project manifests: *.pom files in Maven/Gradle caches describe downloaded artifacts, not the image's software.
        PathMatch.FileName(meta.Path) == "pom.xml" && !PathMatch.HasSegment(meta.Path, ".m2") && !PathMatch.HasSegment(meta.Path, "META-INF");

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(text), settings);
        var project = XDocument.Load(reader).Root ?? throw new FormatException("empty pom.xml");
        XNamespace ns = project.Name.Namespace;
        string? Child(XElement? e, string name) => e?.Element(ns + name)?.Value.Trim();

        var parent = project.Element(ns + "parent");
        var groupId = Child(project, "groupId") ?? Child(parent, "groupId") ?? "";
        var artifactId = Child(project, "artifactId") ?? "";
        var version = Child(project, "version") ?? Child(parent, "version") ?? "";

        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["project.groupId"] = groupId,
            ["project.artifactId"] = artifactId,
            ["project.version"] = version,
            ["pom.groupId"] = groupId,
            ["pom.version"] = version,
        };
        if (Child(parent, "version") is { } pv)
        {
            properties["project.parent.version"] = pv;
        }

        foreach (var p in project.Element(ns + "properties")?.Elements() ?? [])
        {
            properties[p.Name.LocalName] = p.Value.Trim();
        }

        string Resolve(string? value)
        {
            var v = value ?? "";
            for (var i = 0; i < 10 && v.Contains("${", StringComparison.Ordinal); i++)
            {
                v = Property().Replace(v, m => properties.GetValueOrDefault(m.Groups[1].Value) ?? m.Value);
            }

            // Unresolved properties (defined in a parent) and ranges do not name one version.
            return v.Contains("${", StringComparison.Ordinal) || v.StartsWith('[') || v.StartsWith('(') ? "" : v;
        }

        var managed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dep in project.Element(ns + "dependencyManagement")?.Element(ns + "dependencies")?.Elements(ns + "dependency") ?? [])
        {
            var key = $"{Resolve(Child(dep, "groupId"))}:{Resolve(Child(dep, "artifactId"))}";
            if (Resolve(Child(dep, "version")) is { Length: > 0 } mv && Child(dep, "scope") != "import")
            {
                managed[key] = mv;
            }
        }

        var licenses = project.Element(ns + "licenses")?.Elements(ns + "license").Select(l => Child(l, "name")).OfType<string>().Where(n => n.Length > 0).ToList();
        var packages = new List<Package>();
        if (groupId.Length > 0 && artifactId.Length > 0)
        {
            packages.Add(Maven.Package(context, Resolve(groupId), Resolve(artifactId), Resolve(version), relationship: "root", licenses: licenses));
        }

        foreach (var dep in project.Element(ns + "dependencies")?.Elements(ns + "dependency") ?? [])
        {
            var g = Resolve(Child(dep, "groupId"));
            var a = Resolve(Child(dep, "artifactId"));
            if (g.Length == 0 || a.Length == 0)
            {
                continue;
            }

            var scope = Child(dep, "scope");
            if (scope is "system" or "provided")
            {
                continue; // supplied by the runtime environment, not shipped with the project
            }

            var v = Child(dep, "version") is { } declared ? Resolve(declared) : managed.GetValueOrDefault($"{g}:{a}", "");
            packages.Add(Maven.Package(context, g, a, v, dev: scope is "test", relationship: "direct"));
        }

        return packages;
    }

    [GeneratedRegex(@"\$\{([^}]+)\}")]
    private static partial Regex Property();
}
