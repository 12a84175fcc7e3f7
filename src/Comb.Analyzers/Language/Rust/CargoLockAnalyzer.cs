using Comb.Contracts;

namespace Comb.Analyzers.Language.Rust;

/// <summary>
/// Cargo.lock (v1-v4): [[package]] name/version/source; dependencies are "name" or "name version [(source)]".
/// Read line by line: Cargo writes a fixed subset of TOML, and v1 files interleave [[package]] with
/// [metadata], which general TOML readers do not all merge correctly. With the Cargo.toml beside it (and the
/// workspace members it lists), crates only tests reach are flagged dev, and root/workspace/direct/indirect set.
/// </summary>
internal sealed class CargoLockAnalyzer : LockWithManifestAnalyzer
{
    public override string Id => "cargo-lock";

    public override int Version => 2;

    protected override string Kind => "cargo";

    protected override bool IsLock(string path) => PathMatch.FileName(path) == "Cargo.lock";

    /// <summary>Project manifests; the crate sources Cargo unpacks under its home are not projects.</summary>
    protected override bool IsCompanion(FileMeta meta) => PathMatch.FileName(meta.Path) == "Cargo.toml"
        && !PathMatch.HasSegment(meta.Path, ".cargo") && !PathMatch.HasSegment(meta.Path, "target");

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, PostAnalysisInput layer, CancellationToken cancellationToken)
    {
        var packages = await ParseLockAsync(context, cancellationToken).ConfigureAwait(false);
        var dir = PathMatch.Directory(context.Path);
        if (layer.Find(dir.Length == 0 ? "Cargo.toml" : dir + "/Cargo.toml") is not { } manifest)
        {
            return packages;
        }

        IReadOnlyList<CargoMember> members;
        try
        {
            members = await CargoWorkspace.ReadAsync(manifest, layer, ReadTextAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Tomlyn.TomlException or FormatException or InvalidOperationException)
        {
            context.Warn($"cannot parse {manifest.Path}, dependencies are not split into prod and dev: {ex.Message}");
            return packages;
        }

        return Classify(packages, members);
    }

    /// <summary>
    /// Walks the lock's graph from the workspace members: what their normal and build dependencies reach is prod,
    /// everything else (dev-dependencies, crates no member reaches) is flagged dev.
    /// </summary>
    private static List<Package> Classify(List<Package> packages, IReadOnlyList<CargoMember> members)
    {
        var local = packages.Where(p => p.Metadata?.ContainsKey("source") != true).ToList();
        var byMember = members.Select(m => (Member: m, Package: local.FirstOrDefault(p => p.Name == m.Name))).Where(x => x.Package is not null).ToList();
        if (byMember.Count == 0)
        {
            return packages;
        }

        var byId = packages.GroupBy(p => $"{p.Name}@{p.Version}", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var memberIds = byMember.Select(x => $"{x.Package!.Name}@{x.Package.Version}").ToHashSet(StringComparer.Ordinal);
        var prod = new HashSet<string>(memberIds, StringComparer.Ordinal);
        var direct = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        foreach (var (member, package) in byMember)
        {
            foreach (var dep in package!.DependsOn ?? [])
            {
                if (!member.DevOnly.Contains(dep[..dep.LastIndexOf('@')]))
                {
                    direct.Add(dep);
                    if (prod.Add(dep))
                    {
                        queue.Enqueue(dep);
                    }
                }
            }
        }

        while (queue.TryDequeue(out var id))
        {
            foreach (var dep in byId.GetValueOrDefault(id)?.DependsOn ?? [])
            {
                if (prod.Add(dep))
                {
                    queue.Enqueue(dep);
                }
            }
        }

        var rootIds = byMember.Where(x => x.Member.IsRoot).Select(x => $"{x.Package!.Name}@{x.Package.Version}").ToHashSet(StringComparer.Ordinal);
        return [.. packages.Select(p =>
        {
            var id = $"{p.Name}@{p.Version}";
            var relationship = rootIds.Contains(id) ? "root" : memberIds.Contains(id) ? "workspace" : direct.Contains(id) ? "direct" : "indirect";
            return p with { Relationship = relationship, Dev = !prod.Contains(id) };
        })];
    }

    private static async Task<List<Package>> ParseLockAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var crates = Read(text);
        if (crates.Count == 0 && text.Contains("[[package]]", StringComparison.Ordinal))
        {
            throw new FormatException("[[package]] tables without name/version");
        }

        var versionsByName = crates.GroupBy(c => c.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Version).ToList(), StringComparer.Ordinal);
        var packages = new List<Package>();
        foreach (var crate in crates)
        {
            var dependsOn = new List<string>();
            foreach (var dep in crate.Dependencies)
            {
                var parts = dep.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2)
                {
                    dependsOn.Add($"{parts[0]}@{parts[1]}");
                }
                else if (parts.Length == 1 && versionsByName.TryGetValue(parts[0], out var vs) && vs.Count == 1)
                {
                    dependsOn.Add($"{parts[0]}@{vs[0]}");
                }
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (crate.Source is { } source)
            {
                metadata["source"] = source;
            }

            packages.Add(context.Package(PackageTypes.Cargo, crate.Name, crate.Version,
                PackageUrl.Create(PackageTypes.Cargo, null, crate.Name, crate.Version), dependsOn: dependsOn, metadata: metadata));
        }

        return packages;
    }

    private sealed class Crate
    {
        public string Name { get; set; } = "";
        public string Version { get; set; } = "";
        public string? Source { get; set; }
        public List<string> Dependencies { get; } = [];
    }

    private static List<Crate> Read(string text)
    {
        var result = new List<Crate>();
        Crate? current = null;
        var inDependencies = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('['))
            {
                inDependencies = false;
                current = line == "[[package]]" ? new Crate() : null;
                if (current is not null)
                {
                    result.Add(current);
                }

                continue;
            }

            if (current is null)
            {
                continue;
            }

            if (inDependencies)
            {
                if (line.StartsWith(']'))
                {
                    inDependencies = false;
                    continue;
                }

                current.Dependencies.Add(Unquote(line.TrimEnd(',')));
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                continue;
            }

            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            switch (key)
            {
                case "name":
                    current.Name = Unquote(value);
                    break;
                case "version":
                    current.Version = Unquote(value);
                    break;
                case "source":
                    current.Source = Unquote(value);
                    break;
                case "dependencies":
                    if (value.StartsWith('[') && value.EndsWith(']'))
                    {
                        current.Dependencies.AddRange(value[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Unquote));
                    }
                    else
                    {
                        inDependencies = value == "[";
                    }

                    break;
            }
        }

        return [.. result.Where(c => c.Name.Length > 0 && c.Version.Length > 0)];
    }

    private static string Unquote(string s)
    {
        foreach (var q in new[] { "\"\"\"", "'''", "\"", "'" })
        {
            if (s.Length >= 2 * q.Length && s.StartsWith(q, StringComparison.Ordinal) && s.EndsWith(q, StringComparison.Ordinal))
            {
                return s[q.Length..^q.Length];
            }
        }

        return s;
    }
}
