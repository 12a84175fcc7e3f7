using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Other;

internal static class ConanRef
{
    /// <summary>"name/version@user/channel#revision%timestamp" -> (name, version).</summary>
    public static (string Name, string Version)? Parse(string reference)
    {
        var r = reference;
        foreach (var stop in new[] { '#', '@', '%' })
        {
            var i = r.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0)
            {
                r = r[..i];
            }
        }

        var slash = r.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < r.Length - 1 ? (r[..slash].Trim(), r[(slash + 1)..].Trim()) : null;
    }

    public static string Purl(string name, string version) => PackageUrl.Create("conan", null, name, version);
}

/// <summary>
/// conan.lock: v1 "graph_lock.nodes" (node "0" is the consumer) and v2 "requires" lists. Build
/// requirements (tools used to build, not shipped) are left out.
/// </summary>
internal sealed class ConanLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "conan-lock";

    public override int Version => 1;

    protected override string Kind => "conan";

    public override bool IsRequired(FileMeta meta) =>
        PathMatch.FileName(meta.Path) == "conan.lock" || (meta.Path.EndsWith(".lock", StringComparison.Ordinal) && PathMatch.FileName(meta.Path).Contains("conan", StringComparison.OrdinalIgnoreCase));

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        var packages = new List<Package>();
        if (root.Obj("graph_lock")?.Obj("nodes") is { } nodes)
        {
            var byId = nodes.EnumerateObject().ToDictionary(n => n.Name, n => n.Value, StringComparer.Ordinal);
            var direct = byId.TryGetValue("0", out var consumer)
                ? consumer.Arr("requires").Items().Select(i => i.GetString()).OfType<string>().ToHashSet(StringComparer.Ordinal)
                : [];
            foreach (var (id, node) in byId)
            {
                if (node.Str("ref") is not { } reference || ConanRef.Parse(reference) is not { } nv)
                {
                    continue;
                }

                var dependsOn = node.Arr("requires").Items().Select(i => i.GetString()).OfType<string>()
                    .Select(r => byId.TryGetValue(r, out var n) && n.Str("ref") is { } rr && ConanRef.Parse(rr) is { } d ? $"{d.Name}@{d.Version}" : null)
                    .OfType<string>().ToList();
                packages.Add(context.Package("conan", nv.Name, nv.Version, ConanRef.Purl(nv.Name, nv.Version),
                    relationship: direct.Contains(id) ? "direct" : "indirect", dependsOn: dependsOn));
            }
        }
        else
        {
            foreach (var item in root.Arr("requires").Items().Where(i => i.ValueKind == JsonValueKind.String))
            {
                if (ConanRef.Parse(item.GetString()!) is { } nv)
                {
                    packages.Add(context.Package("conan", nv.Name, nv.Version, ConanRef.Purl(nv.Name, nv.Version)));
                }
            }
        }

        return packages;
    }
}

/// <summary>conanfile.txt: references listed under [requires] (and [tool_requires], flagged dev).</summary>
internal sealed class ConanfileTxtAnalyzer : LanguageAnalyzer
{
    public override string Id => "conanfile-txt";

    public override int Version => 1;

    protected override string Kind => "conan";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "conanfile.txt";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var packages = new List<Package>();
        string? section = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('['))
            {
                section = line.Trim('[', ']');
                continue;
            }

            if (section is "requires" or "tool_requires" or "build_requires" && ConanRef.Parse(line) is { } nv)
            {
                packages.Add(context.Package("conan", nv.Name, nv.Version, ConanRef.Purl(nv.Name, nv.Version), dev: section != "requires"));
            }
        }

        return packages;
    }
}

/// <summary>conda-meta/*.json: one installed conda package per file.</summary>
internal sealed class CondaMetaAnalyzer : LanguageAnalyzer
{
    public override string Id => "conda-meta";

    public override int Version => 1;

    protected override string Kind => "conda-pkg";

    public override bool IsRequired(FileMeta meta) =>
        meta.Path.EndsWith(".json", StringComparison.Ordinal) && PathMatch.FileName(PathMatch.Directory(meta.Path)) == "conda-meta";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var name = doc.RootElement.Str("name");
        var version = doc.RootElement.Str("version");
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(version))
        {
            return []; // history and other bookkeeping JSON
        }

        var licenses = doc.RootElement.Str("license") is { Length: > 0 } l ? new[] { l } : null;
        return [context.Package("conda", name, version, PackageUrl.Create("conda", null, name, version), licenses)];
    }
}
