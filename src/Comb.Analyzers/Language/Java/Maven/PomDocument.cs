using System.Xml;
using System.Xml.Linq;

namespace Comb.Analyzers.Language.Java.Maven;

internal sealed record PomCoordinates(string? GroupId, string? ArtifactId, string? Version);

internal sealed record PomParent(string? GroupId, string? ArtifactId, string? Version, string? RelativePath);

internal sealed record PomExclusion(string GroupId, string ArtifactId);

/// <summary>One dependency (or managed dependency) as written, before properties are interpolated.</summary>
internal sealed record PomDependency
{
    public string GroupId { get; init; } = "";
    public string ArtifactId { get; init; } = "";
    public string Version { get; init; } = "";
    public string Scope { get; init; } = "";
    public string Type { get; init; } = "";
    public bool Optional { get; init; }
    public IReadOnlyList<PomExclusion> Exclusions { get; init; } = [];

    public string Key => GroupId + ":" + ArtifactId;
}

/// <summary>
/// A pom.xml as written: the parts that decide which artifacts a project uses. Element names are matched by local
/// name (poms with and without the Maven namespace both occur) and text is trimmed.
/// </summary>
internal sealed record PomDocument
{
    public required string Path { get; init; }
    public PomParent? Parent { get; init; }
    public string? GroupId { get; init; }
    public string? ArtifactId { get; init; }
    public string? Version { get; init; }
    public string? Packaging { get; init; }
    public IReadOnlyList<string> Licenses { get; init; } = [];
    public IReadOnlyList<string> Modules { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, string>> Properties { get; init; } = [];
    public IReadOnlyList<PomDependency> DependencyManagement { get; init; } = [];
    public IReadOnlyList<PomDependency> Dependencies { get; init; } = [];

    public static PomDocument Parse(string path, string text)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        using var reader = XmlReader.Create(new StringReader(text), settings);
        var project = XDocument.Load(reader).Root ?? throw new FormatException("empty pom");
        if (project.Name.LocalName != "project")
        {
            throw new FormatException($"root element is <{project.Name.LocalName}>, not <project>");
        }

        var parent = Child(project, "parent");
        return new PomDocument
        {
            Path = path,
            Parent = parent is null ? null : new PomParent(Text(parent, "groupId"), Text(parent, "artifactId"), Text(parent, "version"), Text(parent, "relativePath")),
            GroupId = Text(project, "groupId"),
            ArtifactId = Text(project, "artifactId"),
            Version = Text(project, "version"),
            Packaging = Text(project, "packaging"),
            Licenses = [.. Children(Child(project, "licenses"), "license").Select(l => Text(l, "name")).OfType<string>().Where(n => n.Length > 0)],
            Modules = [.. Children(Child(project, "modules"), "module").Select(m => m.Value.Trim()).Where(m => m.Length > 0)],
            Properties = [.. (Child(project, "properties")?.Elements() ?? []).Select(p => new KeyValuePair<string, string>(p.Name.LocalName, p.Value.Trim()))],
            DependencyManagement = ReadDependencies(Child(Child(project, "dependencyManagement"), "dependencies")),
            Dependencies = ReadDependencies(Child(project, "dependencies")),
        };
    }

    private static List<PomDependency> ReadDependencies(XElement? list) =>
        [.. Children(list, "dependency").Select(d => new PomDependency
        {
            GroupId = Text(d, "groupId") ?? "",
            ArtifactId = Text(d, "artifactId") ?? "",
            Version = Text(d, "version") ?? "",
            Scope = Text(d, "scope") ?? "",
            Type = Text(d, "type") ?? "",
            Optional = string.Equals(Text(d, "optional"), "true", StringComparison.OrdinalIgnoreCase),
            Exclusions = [.. Children(Child(d, "exclusions"), "exclusion").Select(e => new PomExclusion(Text(e, "groupId") ?? "", Text(e, "artifactId") ?? ""))],
        })];

    private static XElement? Child(XElement? e, string name) => e?.Elements().FirstOrDefault(c => c.Name.LocalName == name);

    private static IEnumerable<XElement> Children(XElement? e, string name) => e?.Elements().Where(c => c.Name.LocalName == name) ?? [];

    private static string? Text(XElement? e, string name) => Child(e, name)?.Value.Trim();
}
