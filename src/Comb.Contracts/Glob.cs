using System.Text;
using System.Text.RegularExpressions;

namespace Comb.Contracts;

/// <summary>
/// Shell-style patterns for ids, packages, images, repositories and paths: * matches within one path segment (no '/'),
/// ** matches across segments, ? one character. Matching ignores case for ids (CVE-..., GHSA-...) via the caller.
/// </summary>
public sealed class Glob
{
    private readonly Regex _regex;

    public Glob(string pattern, bool ignoreCase = false)
    {
        Pattern = pattern;
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                sb.Append(".*");
                i++;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        sb.Append('$');
        var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        _regex = new Regex(sb.ToString(), options, TimeSpan.FromSeconds(1));
    }

    public string Pattern { get; }

    public bool IsMatch(string? text) => text is not null && _regex.IsMatch(text);

    public static bool Any(IEnumerable<Glob> globs, string? text) => globs.Any(g => g.IsMatch(text));
}
