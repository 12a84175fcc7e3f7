using System.Text.RegularExpressions;

namespace Comb.Secrets.Engine;

/// <summary>
/// Values that are obviously not live credentials: documentation placeholders, template variables,
/// masked values, keyboard/alphabet runs. Deliberately narrow so that real random tokens never match.
/// </summary>
internal static class Placeholders
{
    private static readonly TieredRegex Markers = RegexFactory.CreateSmall(
        @"EXAMPLE(?:KEY)?$|(?i:example[_-]?(?:key|token|secret|password)|your[_-]?(?:own[_-]?)?(?:api[_-]?)?(?:key|token|secret|pass)|placeholder|redacted|replace[_-]?me|change[_-]?me|put[_-]?your|_here\b|insert[_-]?(?:your|key|token)|dummy|fake[_-]?(?:key|token|secret))");

    private static readonly TieredRegex Templates = RegexFactory.CreateSmall(
        @"^(?:\$\{[^}]*\}|\$\{\{[^}]*\}\}|\{\{[^}]*\}\}|\$\([^)]*\)|%[A-Za-z_][\w]*%|@[A-Za-z_]\w*@|<[^<>]{1,60}>|\$[A-Za-z_]\w*|\{[A-Za-z_]\w*\})$");

    private static readonly TieredRegex Literals = RegexFactory.CreateSmall(
        @"^(?i:true|false|null|nil|none|undefined|empty|changeme|change_me|password|secret|token|example|test|testing|foobar|string)$");

    /// <summary>True when the value is a placeholder, template reference or masked value.</summary>
    public static bool IsPlaceholder(ReadOnlySpan<char> value)
    {
        if (value.Length == 0 || MaskRun(value) >= 5)
        {
            return true;
        }

        return Markers.IsMatch(value) || Templates.IsMatch(value) || Literals.IsMatch(value);
    }

    /// <summary>Template or variable references only (for rules whose formats legitimately contain repeats).</summary>
    public static bool IsTemplate(ReadOnlySpan<char> value) => Templates.IsMatch(value) || Markers.IsMatch(value);

    // Runs of the characters people type to hide a value: xxxxx, *****, #####.
    private static int MaskRun(ReadOnlySpan<char> value)
    {
        var best = 0;
        var run = 0;
        foreach (var c in value)
        {
            run = c is 'x' or 'X' or '*' or '#' or '•' ? run + 1 : 0;
            best = Math.Max(best, run);
        }

        return best;
    }
}
