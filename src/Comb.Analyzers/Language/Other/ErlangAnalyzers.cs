using System.Text.RegularExpressions;
using Comb.Contracts;

namespace Comb.Analyzers.Language.Other;

/// <summary>Elixir mix.lock: "name": {:hex, :name, "version", ...}; git and path dependencies carry no release version.</summary>
internal sealed partial class MixLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "elixir-mix-lock";

    public override int Version => 1;

    protected override string Kind => "hex";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "mix.lock";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        return HexEntry().Matches(text)
            .Select(m => context.Package("hex", m.Groups[2].Value, m.Groups[3].Value, PackageUrl.Create("hex", null, m.Groups[2].Value, m.Groups[3].Value)))
            .ToList();
    }

    [GeneratedRegex(@"""([^""]+)""\s*:\s*\{\s*:hex\s*,\s*:""?([\w.-]+)""?\s*,\s*""([^""]+)""")]
    private static partial Regex HexEntry();
}

/// <summary>Erlang rebar.lock: {&lt;&lt;"name"&gt;&gt;,{pkg,&lt;&lt;"name"&gt;&gt;,&lt;&lt;"version"&gt;&gt;},Level} tuples.</summary>
internal sealed partial class RebarLockAnalyzer : LanguageAnalyzer
{
    public override string Id => "erlang-rebar-lock";

    public override int Version => 1;

    protected override string Kind => "rebar";

    public override bool IsRequired(FileMeta meta) => PathMatch.FileName(meta.Path) == "rebar.lock";

    protected override async ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken)
    {
        var text = await context.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        return PkgEntry().Matches(text)
            .Select(m => (Name: m.Groups[2].Value, Version: m.Groups[3].Value, Level: m.Groups[4].Value))
            .Select(e => context.Package("hex", e.Name, e.Version, PackageUrl.Create("hex", null, e.Name, e.Version),
                relationship: e.Level == "0" ? "direct" : "indirect"))
            .ToList();
    }

    [GeneratedRegex(@"\{\s*<<""([^""]+)"">>\s*,\s*\{\s*pkg\s*,\s*<<""([^""]+)"">>\s*,\s*<<""([^""]+)"">>\s*(?:,[^}]*)?\}\s*,\s*(\d+)\s*\}")]
    private static partial Regex PkgEntry();
}
