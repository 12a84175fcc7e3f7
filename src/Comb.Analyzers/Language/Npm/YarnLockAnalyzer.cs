using Comb.Contracts;

namespace Comb.Analyzers.Language.Npm;

/// <summary>
/// yarn.lock, both the classic v1 format ("name@range":\n  version "1.2.3") and berry's YAML
/// ("name@npm:range":\n  version: 1.2.3\n  resolution: "name@npm:1.2.3"). Read line by line: the
/// classic format is not YAML, and berry's subset is simple enough to share one reader. With the package.json
/// beside it (and its workspaces), packages are marked direct or indirect, and dev when only devDependencies reach them.
/// </summary>
internal sealed class YarnLockAnalyzer : LockWithManifestAnalyzer
{
    public override string Id => "yarn-lock";

    public override int Version => 3;

    protected override string Kind => "yarn";

    protected override bool IsLock(string path) =>
        PathMatch.FileName(path) == "yarn.lock" && !PathMatch.HasSegment(path, "node_modules") && !PathMatch.HasSegment(path, ".yarn");

    protected override bool IsCompanion(FileMeta meta) => NpmManifest.IsProjectManifest(meta.Path);

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, PostAnalysisInput layer, CancellationToken cancellationToken)
    {
        var (packages, bySpec) = await ParseLockAsync(context, cancellationToken).ConfigureAwait(false);
        var project = await NpmManifest.ReadProjectAsync(PathMatch.Directory(context.Path), layer, context, cancellationToken).ConfigureAwait(false);
        if (project is null)
        {
            return packages;
        }

        string? Resolve(string name, string range) =>
            bySpec.GetValueOrDefault($"{name}@{range}") ?? bySpec.GetValueOrDefault($"{name}@npm:{range}")
            ?? (packages.Where(p => p.Name == NpmNames.RealName(name, range)).Select(p => NpmNames.Id(p.Name, p.Version)).Distinct(StringComparer.Ordinal).ToList() is [var only] ? only : null);

        return NpmManifest.Classify(packages, project, Resolve);
    }

    private static async Task<(List<Package> Packages, Dictionary<string, string> BySpec)> ParseLockAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var blocks = YarnLockReader.Read(text);
        if (blocks.Count == 0 && text.Trim().Length > 0 && !text.TrimStart().StartsWith('#'))
        {
            throw new FormatException("no yarn.lock entries found");
        }

        // Every spec ("name@range") resolves to the entry that lists it.
        var bySpec = new Dictionary<string, YarnBlock>(StringComparer.Ordinal);
        foreach (var block in blocks)
        {
            foreach (var spec in block.Specs)
            {
                bySpec[spec] = block;
            }
        }

        var collector = new PackageCollector();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var block in blocks)
        {
            if (block.Specs.Count == 0 || block.Specs[0] == "__metadata")
            {
                continue;
            }

            var (specName, range) = NpmNames.SplitSpec(block.Specs[0]);
            if (NpmNames.IsLocalProtocol(range) || range.StartsWith("patch:", StringComparison.Ordinal)
                || block.Fields.GetValueOrDefault("resolution") is { } res && IsLocalResolution(res)
                || NpmNames.IsGitSource(range) || NpmNames.IsGitSource(block.Fields.GetValueOrDefault("resolved") ?? ""))
            {
                continue;
            }

            var version = block.Fields.GetValueOrDefault("version");
            if (string.IsNullOrEmpty(version))
            {
                context.Warn($"entry {block.Specs[0]} has no version; skipped");
                continue;
            }

            var name = block.Fields.GetValueOrDefault("resolution") is { Length: > 0 } resolution
                ? NpmNames.SplitSpec(resolution).Name
                : NpmNames.RealName(specName, range);
            var dependsOn = new List<string>();
            foreach (var (depName, depRange) in block.Dependencies)
            {
                if (bySpec.TryGetValue($"{depName}@{depRange}", out var dep) || bySpec.TryGetValue($"{depName}@npm:{depRange}", out dep))
                {
                    if (dep.Fields.GetValueOrDefault("version") is { Length: > 0 } depVersion)
                    {
                        var depReal = dep.Fields.GetValueOrDefault("resolution") is { Length: > 0 } r ? NpmNames.SplitSpec(r).Name : NpmNames.RealName(depName, depRange);
                        dependsOn.Add(NpmNames.Id(depReal, depVersion));
                    }
                }
            }

            collector.Add(context.Package(PackageTypes.Npm, name, version, NpmNames.Purl(name, version), dependsOn: dependsOn));
            foreach (var spec in block.Specs)
            {
                ids[spec] = NpmNames.Id(name, version);
            }
        }

        return ([.. collector.Packages], ids);
    }

    private static bool IsLocalResolution(string resolution) => NpmNames.IsLocalProtocol(NpmNames.SplitSpec(resolution).Range);
}

internal sealed record YarnBlock(List<string> Specs, Dictionary<string, string> Fields, List<(string Name, string Range)> Dependencies);

internal static class YarnLockReader
{
    public static List<YarnBlock> Read(string text)
    {
        var blocks = new List<YarnBlock>();
        YarnBlock? current = null;
        string? section = null;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var indent = line.Length - trimmed.Length;
            if (indent == 0)
            {
                section = null;
                current = null;
                if (!trimmed.EndsWith(':'))
                {
                    continue;
                }

                var specs = trimmed[..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(s => Unquote(s).Trim('"')).ToList(); // berry quotes the whole list: "a@npm:1, a@npm:2":
                current = new YarnBlock(specs, new Dictionary<string, string>(StringComparer.Ordinal), []);
                blocks.Add(current);
                continue;
            }

            if (current is null)
            {
                continue;
            }

            var (key, value) = SplitKeyValue(trimmed);
            if (indent <= 2)
            {
                if (value.Length == 0)
                {
                    section = key;
                }
                else
                {
                    section = null;
                    current.Fields[key] = value;
                }
            }
            else if (section is "dependencies" or "optionalDependencies" && value.Length > 0)
            {
                current.Dependencies.Add((key, value));
            }
        }

        return blocks;
    }

    /// <summary>Classic: `key "value"`; berry: `key: value`. Keys and values may be quoted.</summary>
    private static (string Key, string Value) SplitKeyValue(string line)
    {
        string key;
        string rest;
        if (line.StartsWith('"'))
        {
            var close = line.IndexOf('"', 1);
            if (close < 0)
            {
                return (Unquote(line), "");
            }

            key = line[1..close];
            rest = line[(close + 1)..];
        }
        else
        {
            var end = line.IndexOfAny([' ', ':']);
            if (end < 0)
            {
                return (line, "");
            }

            key = line[..end];
            rest = line[end..];
        }

        rest = rest.TrimStart();
        if (rest.StartsWith(':'))
        {
            rest = rest[1..].TrimStart();
        }

        return (key, Unquote(rest.Trim()));
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && ((s[0] == '"' && s[^1] == '"') || (s[0] == '\'' && s[^1] == '\'')) ? s[1..^1] : s;
}
