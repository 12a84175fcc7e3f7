using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Java;

internal static class MavenPackages
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
            packages.Add(MavenPackages.Package(context, coordinates[0], coordinates[1], coordinates[2], dev));
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
            packages.Add(MavenPackages.Package(context, org, name, version, dev));
        }

        return packages;
    }
}
