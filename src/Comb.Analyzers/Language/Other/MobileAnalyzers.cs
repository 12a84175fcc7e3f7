using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Other;

/// <summary>
/// Swift Package Manager Package.resolved: v1 {"object": {"pins": [{package, repositoryURL, state}]}},
/// v2/v3 {"pins": [{identity, location, state}]}. Packages are named by repository (host/owner/repo).
/// </summary>
internal sealed class SwiftResolvedAnalyzer : LanguageAnalyzer
{
    public override string Id => "swift-package-resolved";

    public override int Version => 1;

    protected override string Kind => "swift";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) is "Package.resolved" or ".package.resolved";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        using var doc = await context.ReadJsonAsync(cancellationToken).ConfigureAwait(false);
        var pins = doc.RootElement.Arr("pins") ?? doc.RootElement.Obj("object")?.Arr("pins");
        var packages = new List<Package>();
        foreach (var pin in pins.Items())
        {
            var location = pin.Str("location") ?? pin.Str("repositoryURL");
            var version = pin.Obj("state")?.Str("version");
            if (string.IsNullOrEmpty(location) || string.IsNullOrEmpty(version))
            {
                continue; // branch/revision pins name no release
            }

            var name = RepositoryName(location);
            var slash = name.LastIndexOf('/');
            var purl = slash > 0 ? PackageUrl.Create("swift", name[..slash], name[(slash + 1)..], version) : PackageUrl.Create("swift", null, name, version);
            packages.Add(context.Package("swift", name, version, purl,
                metadata: new Dictionary<string, string>(StringComparer.Ordinal) { ["identity"] = pin.Str("identity") ?? pin.Str("package") ?? name }));
        }

        return packages;
    }

    /// <summary>"https://github.com/Quick/Nimble.git" or "git@github.com:Quick/Nimble.git" -> "github.com/Quick/Nimble".</summary>
    internal static string RepositoryName(string location)
    {
        var s = location.Trim();
        var scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            s = s[(scheme + 3)..];
        }
        else if (s.Contains('@', StringComparison.Ordinal) && s.Contains(':', StringComparison.Ordinal))
        {
            s = s[(s.IndexOf('@', StringComparison.Ordinal) + 1)..].Replace(':', '/');
        }

        var at = s.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0 && at < s.IndexOf('/', StringComparison.Ordinal))
        {
            s = s[(at + 1)..];
        }

        s = s.TrimEnd('/');
        return s.EndsWith(".git", StringComparison.Ordinal) ? s[..^4] : s;
    }
}

/// <summary>CocoaPods Podfile.lock: PODS entries "Name (1.2.3)", optionally with their dependencies.</summary>
internal sealed class PodfileLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "cocoapods";

    public override int Version => 1;

    protected override string Kind => "cocoapods";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "Podfile.lock";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var docs = Yaml.LoadAll(await context.ReadTextAsync(cancellationToken).ConfigureAwait(false));
        var pods = docs.FirstOrDefault().List("PODS") ?? throw new FormatException("no PODS section");
        var entries = new List<(string Name, string Version, List<string> Deps)>();
        foreach (var pod in pods)
        {
            var (spec, deps) = pod switch
            {
                string s => (s, new List<string>()),
                Dictionary<string, object?> d when d.Count == 1 => (d.Keys.First(), (d.Values.First() as List<object?> ?? []).OfType<string>().ToList()),
                _ => (null, []),
            };
            if (spec is not null && NameVersion(spec) is { } nv && nv.Version is { } v)
            {
                entries.Add((nv.Name, v, deps.Select(d => NameVersion(d)?.Name).OfType<string>().ToList()));
            }
        }

        var versions = entries.GroupBy(e => e.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Version, StringComparer.Ordinal);
        return entries.Select(e => context.Package("cocoapods", e.Name, e.Version, Purl(e.Name, e.Version),
            dependsOn: e.Deps.Where(versions.ContainsKey).Select(d => $"{d}@{versions[d]}").ToList())).ToList();
    }

    /// <summary>purl: the pod name is the name, a subspec ("Pod/Sub") the subpath.</summary>
    private static string Purl(string name, string version)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? PackageUrl.Create("cocoapods", null, name[..slash], version, subpath: name[(slash + 1)..]) : PackageUrl.Create("cocoapods", null, name, version);
    }

    private static (string Name, string? Version)? NameVersion(string spec)
    {
        var paren = spec.IndexOf(" (", StringComparison.Ordinal);
        if (paren < 0)
        {
            return spec.Trim().Length > 0 ? (spec.Trim(), null) : null;
        }

        var version = spec[(paren + 2)..].TrimEnd(')').Trim();
        return (spec[..paren].Trim(), version.Length > 0 && char.IsAsciiDigit(version[0]) ? version : null);
    }
}

/// <summary>Dart/Flutter pubspec.lock: packages with source hosted/git/path/sdk; sdk packages take the SDK constraint's lower bound.</summary>
internal sealed class PubspecLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "dart-pubspec-lock";

    public override int Version => 1;

    protected override string Kind => "pub";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "pubspec.lock";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var doc = Yaml.LoadAll(await context.ReadTextAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        var sdks = doc.Map("sdks");
        var packages = new List<Package>();
        foreach (var (name, entry) in doc.Map("packages").Entries())
        {
            var version = entry.Str("version");
            var source = entry.Str("source");
            if (source == "sdk" && sdks?.GetValueOrDefault(name) is string constraint && LowerBound(constraint) is { } sdkVersion)
            {
                version = sdkVersion;
            }
            else if (source == "sdk")
            {
                continue; // an SDK-provided package whose SDK version the lock does not pin
            }

            if (string.IsNullOrEmpty(version))
            {
                continue;
            }

            var dependency = entry.Str("dependency") ?? "";
            packages.Add(context.Package("pub", name, version, PackageUrl.Create("pub", null, name, version),
                dev: dependency == "direct dev",
                relationship: dependency.StartsWith("direct", StringComparison.Ordinal) ? "direct" : dependency == "transitive" ? "indirect" : null));
        }

        return packages;
    }

    /// <summary>">=3.24.5" or "^3.3.0" or ">=2.12.0 &lt;3.0.0" -> the lowest allowed version.</summary>
    private static string? LowerBound(string constraint)
    {
        var first = constraint.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        var v = first.StartsWith(">=", StringComparison.Ordinal) ? first[2..] : first.StartsWith('^') ? first[1..] : null;
        return v is { Length: > 0 } && char.IsAsciiDigit(v[0]) ? v : null;
    }
}

/// <summary>Julia Manifest.toml, format 1.0 ([[Name]] at top level) and 2.0 ([[deps.Name]]); standard libraries take julia_version.</summary>
internal sealed class JuliaManifestAnalyzer : LanguageAnalyzer
{
    public override string Id => "julia-manifest";

    public override int Version => 1;

    protected override string Kind => "julia";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) is "Manifest.toml" or "JuliaManifest.toml"
        || (PathMatch.FileName(meta.Path).StartsWith("Manifest-v", StringComparison.Ordinal) && meta.Path.EndsWith(".toml", StringComparison.Ordinal));

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var toml = TomlDoc.Parse(await context.ReadTextAsync(cancellationToken).ConfigureAwait(false), context.Path);
        var juliaVersion = toml.Str("julia_version");
        var deps = toml.Table("deps") ?? toml;
        var packages = new List<Package>();
        foreach (var (name, value) in deps)
        {
            if (value is not Tomlyn.Model.TomlTableArray entries)
            {
                continue;
            }

            foreach (var entry in entries)
            {
                // A stdlib has neither a version nor a tree hash: it ships with (and is versioned as) Julia.
                var version = entry.Str("version") ?? (entry.Str("git-tree-sha1") is null && entry.Str("path") is null ? juliaVersion : null);
                if (string.IsNullOrEmpty(version))
                {
                    continue;
                }

                packages.Add(context.Package("julia", name, version, PackageUrl.Create("julia", null, name, version,
                    entry.Str("uuid") is { } uuid ? new Dictionary<string, string>(StringComparer.Ordinal) { ["uuid"] = uuid } : null)));
            }
        }

        return packages;
    }
}
