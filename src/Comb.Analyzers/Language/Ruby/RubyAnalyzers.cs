using System.Text.RegularExpressions;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Ruby;

/// <summary>Gemfile.lock: gems under "specs:" of the GEM/GIT/PATH sections ("    name (version)"), with their dependencies below.</summary>
internal sealed partial class GemfileLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "gemfile-lock";

    public override int Version => 2;

    protected override string Kind => "bundler";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) is "Gemfile.lock" or "gems.locked";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var gems = new List<(string Name, string Version, List<string> Deps)>();
        var direct = new HashSet<string>(StringComparer.Ordinal);
        string? section = null;
        var inSpecs = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (!line.StartsWith(' '))
            {
                section = line.Trim();
                inSpecs = false;
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            var body = line.Trim();
            if (section is "GEM" or "GIT" or "PATH" or "PLUGIN SOURCE")
            {
                if (indent == 2)
                {
                    inSpecs = body == "specs:";
                    continue;
                }

                if (!inSpecs)
                {
                    continue;
                }

                var (name, version) = NameVersion(body);
                if (indent == 4 && version is not null)
                {
                    gems.Add((name, version, []));
                }
                else if (indent == 6 && gems.Count > 0)
                {
                    gems[^1].Deps.Add(name);
                }
            }
            else if (section == "DEPENDENCIES" && indent == 2)
            {
                direct.Add(NameVersion(body).Name.TrimEnd('!'));
            }
        }

        var versions = gems.GroupBy(g => g.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Version, StringComparer.Ordinal);
        return gems.Select(g => context.Package(PackageTypes.Gem, g.Name, g.Version,
            PackageUrl.Create(PackageTypes.Gem, null, g.Name, g.Version),
            relationship: direct.Count == 0 ? null : direct.Contains(g.Name) ? "direct" : "indirect",
            dependsOn: g.Deps.Where(versions.ContainsKey).Select(d => $"{d}@{versions[d]}").ToList()));
    }

    /// <summary>"name (1.2.3)" or "name (1.2.3-x86_64-linux)" or "name (>= 1.0)" or just "name".</summary>
    private static (string Name, string? Version) NameVersion(string body)
    {
        var paren = body.IndexOf(" (", StringComparison.Ordinal);
        if (paren < 0)
        {
            return (body, null);
        }

        var version = PlatformSuffix().Replace(body[(paren + 2)..].TrimEnd(')').Trim(), "");
        return (body[..paren], version.Length > 0 && char.IsAsciiDigit(version[0]) ? version : null);
    }

    /// <summary>A platform gem is locked as "nokogiri (1.13.3-x86_64-linux)": the release is the part before the platform.</summary>
    [GeneratedRegex(@"-(?:java|jruby|dalvik\d*|mswin\w*|mingw\w*|x64-\w+|(?:x86|x86_64|i386|i686|arm64|aarch64|arm|armv\w+|universal|powerpc\w*|ppc64le|s390x|riscv64)-[\w.-]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex PlatformSuffix();
}

/// <summary>Installed gem specifications ("specifications/*.gemspec"): Ruby source, read for name/version/licenses literals.</summary>
internal sealed partial class GemspecAnalyzer : LanguageAnalyzer
{
    public override string Id => "gemspec";

    public override int Version => 1;

    protected override string Kind => "gemspec";

    public override bool IsRequired(FileMeta meta) =>
        meta.Path.EndsWith(".gemspec", StringComparison.Ordinal) && PathMatch.FileName(PathMatch.Directory(meta.Path)) == "specifications";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        var name = Assignment(text, "name");
        var version = Assignment(text, "version");
        if (name is null || version is null)
        {
            context.Warn("no name/version assignment found in gemspec");
            return [];
        }

        var licenses = new List<string>();
        var list = LicensesList().Match(text);
        if (list.Success)
        {
            licenses.AddRange(StringLiteral().Matches(list.Groups[1].Value).Select(m => m.Groups[2].Value));
        }
        else if (Assignment(text, "license") is { } single)
        {
            licenses.Add(single);
        }

        return [context.Package(PackageTypes.Gem, name, version, PackageUrl.Create(PackageTypes.Gem, null, name, version), licenses)];
    }

    private static string? Assignment(string text, string field)
    {
        var m = Regex.Match(text, @"^\s*\w+\." + field + @"\s*=\s*(?:Gem::Version\.new\(\s*)?(?:""([^""]*)""|'([^']*)'|%q\{([^}]*)\})", RegexOptions.Multiline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!m.Success)
        {
            return null;
        }

        var value = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;
        return value.Trim();
    }

    [GeneratedRegex(@"^\s*\w+\.licenses\s*=\s*\[([^\]]*)\]", RegexOptions.Multiline)]
    private static partial Regex LicensesList();

    [GeneratedRegex(@"([""'])([^""']*)\1")]
    private static partial Regex StringLiteral();
}
