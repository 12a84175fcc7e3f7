using Comb.Contracts;

namespace Comb.Analyzers.Language.Go;

internal static class GoNames
{
    /// <summary>pkg:golang/github.com/org/repo@v1.2.3: all but the last path element is the namespace.</summary>
    public static string Purl(string module, string version)
    {
        var slash = module.LastIndexOf('/');
        return slash < 0
            ? PackageUrl.Create(PackageTypes.Golang, null, module, version.Length == 0 ? null : version)
            : PackageUrl.Create(PackageTypes.Golang, module[..slash], module[(slash + 1)..], version.Length == 0 ? null : version);
    }

    /// <summary>Orders Go module versions (semver with optional pseudo-version suffix) well enough to pick the newest.</summary>
    public static int Compare(string a, string b)
    {
        var pa = a.TrimStart('v').Split(['.', '-', '+']);
        var pb = b.TrimStart('v').Split(['.', '-', '+']);
        for (var i = 0; i < Math.Max(pa.Length, pb.Length); i++)
        {
            if (i >= pa.Length)
            {
                return 1; // "1.0.0" > "1.0.0-pre"
            }

            if (i >= pb.Length)
            {
                return -1;
            }

            var na = long.TryParse(pa[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var x);
            var nb = long.TryParse(pb[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var y);
            var c = na && nb ? x.CompareTo(y) : string.CompareOrdinal(pa[i], pb[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }
}

/// <summary>
/// go.mod: the module (root), require directives (direct, or "// indirect"), and replace directives
/// (a module replaced by a local path is dropped; a replacement module/version takes its place).
/// </summary>
internal sealed class GoModAnalyzer : LanguageAnalyzer
{
    public override string Id => "go-mod";

    public override int Version => 1;

    protected override string Kind => "gomod";

    public override bool IsRequired(FileMeta meta) =>
        PathMatch.FileName(meta.Path) == "go.mod" && !PathMatch.HasSegment(meta.Path, "vendor") && !meta.Path.Contains("/pkg/mod/", StringComparison.Ordinal);

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        string? module = null;
        string? goVersion = null;
        var requires = new List<(string Module, string Version, bool Indirect)>();
        var replaces = new List<(string From, string? FromVersion, string To, string? ToVersion)>();
        string? block = null;
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            var comment = line.IndexOf("//", StringComparison.Ordinal);
            var indirect = comment >= 0 && line[comment..].Contains("indirect", StringComparison.Ordinal);
            if (comment >= 0)
            {
                line = line[..comment].Trim();
            }

            if (line.Length == 0)
            {
                continue;
            }

            if (block is not null)
            {
                if (line == ")")
                {
                    block = null;
                    continue;
                }

                Directive(block, line, indirect);
                continue;
            }

            var fields = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            var verb = fields[0];
            var rest = fields.Length > 1 ? fields[1].Trim() : "";
            if (rest == "(")
            {
                block = verb;
                continue;
            }

            switch (verb)
            {
                case "module":
                    module = Unquote(rest);
                    break;
                case "go":
                    goVersion = rest;
                    break;
                default:
                    Directive(verb, rest, indirect);
                    break;
            }

            void Directive(string kind, string body, bool isIndirect)
            {
                var parts = body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (kind == "require")
                {
                    if (parts.Length < 2)
                    {
                        context.Warn($"line {lineNo}: malformed require");
                        return;
                    }

                    requires.Add((Unquote(parts[0]), parts[1], isIndirect));
                }
                else if (kind == "replace")
                {
                    var arrow = Array.IndexOf(parts, "=>");
                    if (arrow is < 1 or > 2 || parts.Length <= arrow + 1)
                    {
                        context.Warn($"line {lineNo}: malformed replace");
                        return;
                    }

                    replaces.Add((Unquote(parts[0]), arrow == 2 ? parts[1] : null, Unquote(parts[arrow + 1]), parts.Length > arrow + 2 ? parts[arrow + 2] : null));
                }
            }
        }

        if (module is null && requires.Count == 0)
        {
            throw new FormatException("no module or require directive");
        }

        var packages = new List<Package>();
        if (module is not null)
        {
            var meta = goVersion is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { ["go"] = goVersion };
            packages.Add(context.Package(PackageTypes.Golang, module, "", GoNames.Purl(module, ""), relationship: "root", metadata: meta));
        }

        foreach (var (name, version, indirect) in requires)
        {
            var finalName = name;
            var finalVersion = version;
            var replaced = replaces.LastOrDefault(r => r.From == name && (r.FromVersion is null || r.FromVersion == version));
            if (replaced.From is not null)
            {
                if (replaced.ToVersion is null)
                {
                    continue; // replaced by a local directory: not a fetched module
                }

                (finalName, finalVersion) = (replaced.To, replaced.ToVersion);
            }

            packages.Add(context.Package(PackageTypes.Golang, finalName, finalVersion, GoNames.Purl(finalName, finalVersion),
                relationship: indirect ? "indirect" : "direct"));
        }

        return packages;
    }

    private static string Unquote(string s) => s.Trim('"', '`');
}

/// <summary>go.sum: "module version[/go.mod] hash" lines; one package per module at its newest listed version.</summary>
internal sealed class GoSumAnalyzer : LanguageAnalyzer
{
    public override string Id => "go-sum";

    public override int Version => 1;

    protected override string Kind => "gosum";

    public override bool IsRequired(FileMeta meta) =>
        PathMatch.FileName(meta.Path) == "go.sum" && !PathMatch.HasSegment(meta.Path, "vendor") && !meta.Path.Contains("/pkg/mod/", StringComparison.Ordinal);

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var newest = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var parts = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            if (parts.Length != 3 || !parts[2].StartsWith("h1:", StringComparison.Ordinal))
            {
                context.Warn($"unexpected go.sum line: {raw.Trim()}");
                continue;
            }

            var version = parts[1].EndsWith("/go.mod", StringComparison.Ordinal) ? parts[1][..^"/go.mod".Length] : parts[1];
            if (!newest.TryGetValue(parts[0], out var current))
            {
                order.Add(parts[0]);
                newest[parts[0]] = version;
            }
            else if (GoNames.Compare(version, current) > 0)
            {
                newest[parts[0]] = version;
            }
        }

        return order.Select(m => context.Package(PackageTypes.Golang, m, newest[m], GoNames.Purl(m, newest[m])));
    }
}
