using System.Text.RegularExpressions;
using Comb.Contracts;
using Tomlyn.Model;

namespace Comb.Analyzers.Language.Rust;

/// <summary>One crate of a workspace as its Cargo.toml declares it: the crates it needs to build and run, and those only its tests need.</summary>
internal sealed record CargoMember(string Name, bool IsRoot, IReadOnlySet<string> Dependencies, IReadOnlySet<string> DevOnly);

/// <summary>
/// The Cargo.toml beside a Cargo.lock and the workspace members it lists (paths or globs such as "crates/*"):
/// for each member, the crate names under [dependencies], [build-dependencies] and their [target.*] forms, and the
/// names only [dev-dependencies] list. A renamed dependency (package = "real") counts under its real name.
/// </summary>
internal static class CargoWorkspace
{
    public static async Task<IReadOnlyList<CargoMember>> ReadAsync(AnalysisInput rootManifest, PostAnalysisInput layer, Func<AnalysisInput, CancellationToken, Task<string>> read,
        CancellationToken cancellationToken)
    {
        var root = TomlDoc.Parse(await read(rootManifest, cancellationToken).ConfigureAwait(false), rootManifest.Path);
        var members = new List<CargoMember>();
        if (Member(root, isRoot: true) is { } rootMember)
        {
            members.Add(rootMember);
        }

        var dir = PathMatch.Directory(rootManifest.Path);
        var patterns = (root.Table("workspace")?.Array("members") ?? []).OfType<string>().Select(m => m.Trim('/')).Where(m => m.Length > 0).ToList();
        foreach (var manifest in layer.Files.Where(f => f.Path != rootManifest.Path && PathMatch.FileName(f.Path) == "Cargo.toml"))
        {
            var memberDir = PathMatch.Directory(manifest.Path);
            var relative = dir.Length == 0 ? memberDir : memberDir.StartsWith(dir + "/", StringComparison.Ordinal) ? memberDir[(dir.Length + 1)..] : null;
            if (relative is null || !patterns.Any(p => Matches(p, relative)))
            {
                continue;
            }

            try
            {
                if (Member(TomlDoc.Parse(await read(manifest, cancellationToken).ConfigureAwait(false), manifest.Path), isRoot: false) is { } member)
                {
                    members.Add(member);
                }
            }
            catch (Tomlyn.TomlException)
            {
                // A broken member manifest only loses that member's dev/direct distinction.
            }
        }

        return members;
    }

    private static CargoMember? Member(TomlTable manifest, bool isRoot)
    {
        if (manifest.Table("package")?.Str("name") is not { Length: > 0 } name)
        {
            return null;
        }

        var normal = new HashSet<string>(StringComparer.Ordinal);
        var dev = new HashSet<string>(StringComparer.Ordinal);
        void Collect(TomlTable? scope)
        {
            if (scope is null)
            {
                return;
            }

            Names(scope.Table("dependencies"), normal);
            Names(scope.Table("build-dependencies"), normal);
            Names(scope.Table("dev-dependencies"), dev);
        }

        Collect(manifest);
        foreach (var (_, target) in manifest.Table("target") ?? [])
        {
            Collect(target as TomlTable);
        }

        dev.ExceptWith(normal);
        return new CargoMember(name, isRoot, normal, dev);
    }

    private static void Names(TomlTable? dependencies, HashSet<string> into)
    {
        foreach (var (key, value) in dependencies ?? [])
        {
            into.Add(value is TomlTable t && t.Str("package") is { Length: > 0 } real ? real : key);
        }
    }

    private static bool Matches(string pattern, string relative)
    {
        var p = pattern.Split('/');
        var r = relative.Split('/');
        return p.Length == r.Length && p.Zip(r).All(x => Regex.IsMatch(x.Second, "^" + Regex.Escape(x.First).Replace("\\*", "[^/]*", StringComparison.Ordinal).Replace("\\?", "[^/]", StringComparison.Ordinal) + "$"));
    }
}
