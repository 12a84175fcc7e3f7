using System.Text;

namespace Comb.Secrets.Config;

/// <summary>
/// Rewrites a Go RE2 pattern, as gitleaks configs hold them, into .NET syntax and marks the capture
/// group that holds the secret. RE2 is almost a subset of .NET regex; the differences that occur in
/// practice are <c>(?P&lt;name&gt;</c> groups and POSIX classes such as <c>[[:alnum:]]</c>.
/// </summary>
internal static class GoRegex
{
    private static readonly Dictionary<string, string> PosixClasses = new(StringComparer.Ordinal)
    {
        ["alnum"] = "a-zA-Z0-9",
        ["alpha"] = "a-zA-Z",
        ["digit"] = "0-9",
        ["xdigit"] = "0-9A-Fa-f",
        ["lower"] = "a-z",
        ["upper"] = "A-Z",
        ["space"] = @"\s",
        ["word"] = @"\w",
        ["punct"] = @"!-/:-@\[-`{-~",
        ["blank"] = @" \t",
        ["cntrl"] = @"\x00-\x1F\x7F",
        ["print"] = @"\x20-\x7E",
        ["graph"] = @"\x21-\x7E",
        ["ascii"] = @"\x00-\x7F",
    };

    /// <summary>
    /// The .NET pattern. <paramref name="secretGroup"/> is gitleaks' <c>secretGroup</c>: that capture group
    /// (1-based) becomes the group named <c>secret</c>; 0 means the first capture group, if there is one;
    /// a negative value marks none (allow-list and path patterns).
    /// </summary>
    public static string ToDotNet(string pattern, int secretGroup)
    {
        var target = secretGroup switch { < 0 => 0, 0 => 1, _ => secretGroup };
        var sb = new StringBuilder(pattern.Length + 16);
        var group = 0;
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(c).Append(pattern[i + 1]);
                i++;
                continue;
            }

            if (inClass)
            {
                if (c == '[' && i + 1 < pattern.Length && pattern[i + 1] == ':' && PosixClass(pattern, i) is { } posix)
                {
                    sb.Append(posix.Replacement);
                    i = posix.End;
                    continue;
                }

                if (c == ']')
                {
                    inClass = false;
                }

                sb.Append(c);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
                sb.Append(c);
                // A ']' right after '[' or '[^' is a literal member, not the end of the class.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append('^');
                    i++;
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append(@"\]");
                    i++;
                }

                continue;
            }

            if (c == '(')
            {
                var named = NamedGroupLength(pattern, i);
                var capturing = named > 0 || i + 1 >= pattern.Length || pattern[i + 1] != '?';
                if (capturing && ++group == target)
                {
                    sb.Append("(?<secret>");
                    i += named > 0 ? named - 1 : 0;
                    continue;
                }

                if (named > 0)
                {
                    // (?P<name> becomes (?<name>
                    sb.Append("(?<").Append(pattern, i + (pattern[i + 2] == 'P' ? 4 : 3), named - (pattern[i + 2] == 'P' ? 4 : 3));
                    i += named - 1;
                    continue;
                }
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    // Length of "(?P<name>" or "(?<name>" starting at i, or 0.
    private static int NamedGroupLength(string pattern, int i)
    {
        var start = pattern.AsSpan(i);
        var prefix = start.StartsWith("(?P<") ? 4 : start.StartsWith("(?<") && start.Length > 3 && start[3] is not ('=' or '!') ? 3 : 0;
        if (prefix == 0)
        {
            return 0;
        }

        var close = start[prefix..].IndexOf('>');
        return close > 0 ? prefix + close + 1 : 0;
    }

    private static (string Replacement, int End)? PosixClass(string pattern, int i)
    {
        var end = pattern.IndexOf(":]", i + 2, StringComparison.Ordinal);
        if (end < 0)
        {
            return null;
        }

        var name = pattern[(i + 2)..end];
        var negated = name.StartsWith('^');
        return PosixClasses.TryGetValue(negated ? name[1..] : name, out var members) && !negated
            ? (members, end + 1)
            : throw new ArgumentException($"unsupported POSIX class [:{name}:]");
    }
}
