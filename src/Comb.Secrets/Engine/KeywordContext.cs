using Comb.Contracts;
using Comb.Secrets.Rules;

namespace Comb.Secrets.Engine;

/// <summary>
/// Where a rule's keyword must stand for its regex to match, read from the pattern. Most token rules are
/// <c>\b(?&lt;secret&gt;PREFIX...)</c> with the keywords being the token's prefixes: every match then starts, right
/// after a word boundary, with one of the keywords, so a keyword that follows a letter, digit or underscore
/// ("this.", "requests." for the keyword "s.") cannot start a match and need not select the rule. Anything this
/// reading does not follow answers false: the keyword then selects the rule wherever it occurs, as before.
/// </summary>
internal static class KeywordContext
{
    private const int MaxPrefixes = 64;

    /// <summary>True when every match of the rule's regex begins at a word boundary with one of its keywords (ASCII case aside).</summary>
    public static bool StartsAtWordBoundary(SecretRule rule) => StartsAtWordBoundary(rule.Pattern, rule.Keywords);

    internal static bool StartsAtWordBoundary(string pattern, IReadOnlyList<string> keywords)
    {
        // The keyword's first character is a word character, so a boundary before it means a non-word one before.
        if (keywords.Count == 0 || keywords.Any(k => k.Length == 0 || !IsWordByte(k[0])))
        {
            return false;
        }

        var i = pattern.StartsWith("(?i)", StringComparison.Ordinal) ? 4 : 0;
        if (!pattern.AsSpan(i).StartsWith(@"\b", StringComparison.Ordinal))
        {
            return false;
        }

        i += 2;
        string body;
        if (i < pattern.Length && pattern[i] == '(')
        {
            var close = RegexText.Closing(pattern, i);
            var open = GroupBodyStart(pattern, i);
            if (close < 0 || open < 0)
            {
                return false;
            }

            body = pattern[open..close];
        }
        else
        {
            body = pattern[i..];
            if (RegexText.SplitTop(body) is not { Count: 1 })
            {
                return false; // "\bA|B": the boundary binds the first branch only
            }
        }

        if (RegexText.SplitTop(body) is not { } branches)
        {
            return false;
        }

        foreach (var branch in branches)
        {
            if (LiteralPrefixes(branch) is not { } prefixes
                || !prefixes.All(p => keywords.Any(k => p.StartsWith(k, StringComparison.OrdinalIgnoreCase))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The text after a group's opening: "(?&lt;name&gt;", "(?:" or a plain "("; -1 for any other kind (options, look-arounds).</summary>
    private static int GroupBodyStart(string p, int open)
    {
        if (open + 1 >= p.Length || p[open + 1] != '?')
        {
            return open + 1;
        }

        if (open + 2 < p.Length && p[open + 2] == ':')
        {
            return open + 3;
        }

        if (open + 2 < p.Length && p[open + 2] == '<' && open + 3 < p.Length && (char.IsLetter(p[open + 3]) || p[open + 3] == '_'))
        {
            var end = p.IndexOf('>', open + 3);
            return end < 0 ? -1 : end + 1;
        }

        return -1;
    }

    /// <summary>
    /// The literal texts every match of the branch starts with (plain characters, escaped punctuation, groups whose
    /// branches start with such texts), up to the first item that is anything else; null when there is none.
    /// </summary>
    private static List<string>? LiteralPrefixes(string branch) =>
        Prefixes(branch, 0).Prefixes is { } prefixes && prefixes.All(p => p.Length > 0) ? prefixes : null;

    /// <summary>The prefixes, and whether they are the whole branch (nothing after them was left unread).</summary>
    private static (List<string>? Prefixes, bool Whole) Prefixes(string branch, int depth)
    {
        var prefixes = new List<string> { "" };
        var i = 0;
        while (i < branch.Length)
        {
            List<string> next;
            var whole = true;
            var c = branch[i];
            int after;
            if (c == '\\')
            {
                if (i + 1 >= branch.Length || char.IsLetterOrDigit(branch[i + 1]))
                {
                    return (prefixes, false); // a class (\d, \w...) or a code (\x41, \u0041): not followed
                }

                next = [branch[i + 1].ToString()];
                after = i + 2;
            }
            else if (c == '(')
            {
                var close = RegexText.Closing(branch, i);
                if (depth > 2 || close < 0 || !branch.AsSpan(i).StartsWith("(?:", StringComparison.Ordinal) || RegexText.SplitTop(branch[(i + 3)..close]) is not { } alternatives)
                {
                    return (prefixes, false);
                }

                next = [];
                foreach (var alternative in alternatives)
                {
                    var (inner, innerWhole) = Prefixes(alternative, depth + 1);
                    if (inner is null || inner.Any(p => p.Length == 0))
                    {
                        return (prefixes, false);
                    }

                    next.AddRange(inner);
                    whole &= innerWhole;
                }

                after = close + 1;
            }
            else if (IsPlain(c))
            {
                next = [c.ToString()];
                after = i + 1;
            }
            else
            {
                return (prefixes, false);
            }

            // An optional or counted item ends the prefix before it; one repeated at least once is in it once.
            var quantifier = after < branch.Length ? branch[after] : '\0';
            if (quantifier is '?' or '*' or '{' || prefixes.Count * next.Count > MaxPrefixes)
            {
                return (prefixes, false);
            }

            prefixes = [.. prefixes.SelectMany(p => next.Select(n => p + n))];
            if (quantifier == '+' || !whole)
            {
                return (prefixes, false);
            }

            i = after;
        }

        return (prefixes, true);
    }

    // Characters that stand for themselves outside a class (no inline whitespace mode in these patterns).
    private static bool IsPlain(char c) => c < 0x80 && !char.IsControl(c) && "\\[](){}|?*+.^$# ".IndexOf(c, StringComparison.Ordinal) < 0;

    internal static bool IsWordByte(int b) => b is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_';
}
