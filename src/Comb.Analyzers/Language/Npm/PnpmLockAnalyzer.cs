using Comb.Contracts;

namespace Comb.Analyzers.Language.Npm;

/// <summary>
/// pnpm-lock.yaml: lockfile v5 ("/name/1.2.3_peer" keys, per-package dev flag), v6 ("/name@1.2.3(peer)")
/// and v9 ("name@1.2.3" in packages, dependency edges in snapshots, dev-ness from importers).
/// </summary>
internal sealed class PnpmLockAnalyzer : LanguageAnalyzer
{
    private static readonly string[] ProdSections = ["dependencies", "optionalDependencies"];

    public override string Id => "pnpm-lock";

    public override int Version => 1;

    protected override string Kind => "pnpm";

    public override bool IsRequired(FileMeta meta) =>
        PathMatch.FileName(meta.Path) == "pnpm-lock.yaml" && !PathMatch.HasSegment(meta.Path, "node_modules");

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var collector = new PackageCollector();
        foreach (var doc in Yaml.LoadAll(text))
        {
            // pnpm may prepend a document for its own bootstrap; every document with packages counts.
            if (doc is not Dictionary<string, object?> root)
            {
                continue;
            }

            var lockVersion = root.Str("lockfileVersion") ?? "";
            var major = int.TryParse(lockVersion.Split('.')[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : 0;
            Read(context, root, major, collector);
        }

        return collector.Packages;
    }

    private static void Read(ParseContext context, Dictionary<string, object?> root, int major, PackageCollector collector)
    {
        var importers = root.Map("importers") ?? new Dictionary<string, object?>(StringComparer.Ordinal) { ["."] = root };
        var directProd = new HashSet<string>(StringComparer.Ordinal);
        var directDev = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, importer) in importers)
        {
            foreach (var section in new[] { "dependencies", "optionalDependencies", "devDependencies" })
            {
                foreach (var (depName, spec) in importer.Map(section).Entries())
                {
                    var version = spec is string s ? s : spec.Str("version");
                    if (version is null)
                    {
                        continue;
                    }

                    var id = KeyToId(depName, version, major);
                    (section == "devDependencies" ? directDev : directProd).Add(id);
                }
            }
        }

        var packages = root.Map("packages");
        var snapshots = root.Map("snapshots");
        var graph = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var entries = new List<(string Id, string Name, string Version, object? Entry)>();
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, entry) in packages.Entries())
        {
            var (keyName, keyVersion) = ParseKey(key, major);
            var name = entry.Str("name") ?? keyName;
            var version = entry.Str("version") ?? keyVersion;
            if (name.Length == 0 || version.Length == 0 || NpmNames.IsLocalProtocol(version))
            {
                continue;
            }

            // Tarball and git dependencies are keyed by their URL; the entry names the version.
            if (keyName != name || keyVersion != version)
            {
                aliases.TryAdd($"{keyName}@{keyVersion}", $"{name}@{version}");
            }

            entries.Add(($"{name}@{version}", name, version, entry));
        }

        Realias(directProd, aliases);
        Realias(directDev, aliases);

        // Dependency edges: v9 keeps them in snapshots (keyed with peer suffixes), older versions in packages.
        foreach (var (key, entry) in (major >= 9 ? snapshots : packages).Entries())
        {
            var (name, version) = ParseKey(key, major);
            var id = $"{entry.Str("name") ?? name}@{entry.Str("version") ?? version}";
            if (!graph.TryGetValue(id, out var deps))
            {
                graph[id] = deps = [];
            }

            foreach (var section in ProdSections)
            {
                foreach (var (depName, depVersion) in entry.Map(section).Entries())
                {
                    if (depVersion is string dv)
                    {
                        deps.Add(KeyToId(depName, dv, major));
                    }
                }
            }
        }

        // v9 has no per-package dev flag: a package reachable from a production dependency is not dev-only.
        // Truncated or hand-edited locks may list an importer dependency without its package entry; it is still installed.
        var known = entries.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in directProd.Concat(directDev).Where(id => !known.Contains(id)).ToList())
        {
            var (n, v) = NpmNames.SplitSpec(id);
            if (n.Length > 0 && v.Length > 0 && !NpmNames.IsLocalProtocol(v) && char.IsAsciiDigit(v[0]))
            {
                entries.Add((id, n, v, null));
                known.Add(id);
            }
        }

        var prodReachable = Reach(directProd, graph);
        var devReachable = Reach(directDev, graph);
        foreach (var (id, name, version, entry) in entries)
        {
            var dev = entry.Str("dev") is { } devFlag
                ? devFlag == "true"
                : !prodReachable.Contains(id) && devReachable.Contains(id);
            var relationship = directProd.Contains(id) || directDev.Contains(id) ? "direct" : "indirect";
            collector.Add(context.Package(PackageTypes.Npm, name, version, NpmNames.Purl(name, version), dev: dev,
                relationship: relationship, dependsOn: graph.GetValueOrDefault(id)?.Distinct(StringComparer.Ordinal).ToList()));
        }
    }

    private static void Realias(HashSet<string> ids, Dictionary<string, string> aliases)
    {
        foreach (var id in ids.Where(aliases.ContainsKey).ToList())
        {
            ids.Remove(id);
            ids.Add(aliases[id]);
        }
    }

    private static HashSet<string> Reach(IEnumerable<string> start, Dictionary<string, List<string>> graph)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(start);
        while (queue.TryDequeue(out var id))
        {
            if (!seen.Add(id))
            {
                continue;
            }

            foreach (var next in graph.GetValueOrDefault(id) ?? [])
            {
                queue.Enqueue(next);
            }
        }

        return seen;
    }

    /// <summary>An importer or dependency entry: "name: 1.2.3(peer@1)" (v5: "1.2.3_peer@1") or an alias to "/real/1.2.3" / "real@1.2.3".</summary>
    private static string KeyToId(string depName, string version, int major)
    {
        if (version.StartsWith('/') || (major >= 9 && version.IndexOf('@', 1) > 0 && !version.Contains(':', StringComparison.Ordinal)))
        {
            var (n, v) = ParseKey(version, major);
            if (n.Length > 0 && v.Length > 0)
            {
                return $"{n}@{v}";
            }
        }

        return $"{depName}@{StripPeers(version, major)}";
    }

    /// <summary>Package keys: v5 "/@scope/name/1.2.3_peer", v6 "/@scope/name@1.2.3(peer)", v9 "@scope/name@1.2.3".</summary>
    internal static (string Name, string Version) ParseKey(string key, int major)
    {
        var slashPrefixed = key.StartsWith('/');
        var k = slashPrefixed ? key[1..] : key;
        if (major >= 6 || !slashPrefixed)
        {
            k = StripPeers(k, major);
            var at = k.IndexOf('@', 1);
            return at < 0 ? ("", "") : (k[..at], k[(at + 1)..]);
        }

        // v5: the last path segment is the version, optionally followed by "_peer+deps".
        var lastSlash = k.LastIndexOf('/');
        if (lastSlash < 0)
        {
            return ("", "");
        }

        var version = k[(lastSlash + 1)..];
        var underscore = version.IndexOf('_', StringComparison.Ordinal);
        return (k[..lastSlash], underscore > 0 ? version[..underscore] : version);
    }

    private static string StripPeers(string version, int major)
    {
        var cut = version.IndexOf('(');
        if (major < 6 && version.IndexOf('_') is var underscore and > 0 && (cut < 0 || underscore < cut))
        {
            cut = underscore;
        }

        return cut > 0 ? version[..cut] : version;
    }
}
