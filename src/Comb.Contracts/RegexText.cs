namespace Comb.Contracts;

/// <summary>
/// The bracket structure of a regular expression's text: where a group closes and its top-level branches, with
/// escapes and character classes (whose brackets and bars do not count) stepped over. The readers that derive
/// prefilter literals from secret-rule and YARA patterns both need it; the syntax they read agrees on these points.
/// </summary>
public static class RegexText
{
    /// <summary>Index of the bracket that closes the group opened at <paramref name="open"/>, or -1 when none does.</summary>
    public static int Closing(string pattern, int open)
    {
        var depth = 0;
        for (var i = open; i < pattern.Length; i++)
        {
            var end = AtomEnd(pattern, i);
            if (end < 0)
            {
                return -1;
            }

            if (end != i)
            {
                i = end;
                continue;
            }

            depth += pattern[i] == '(' ? 1 : pattern[i] == ')' ? -1 : 0;
            if (depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The pattern's top-level branches, or null when a bracket or a class does not close.</summary>
    public static List<string>? SplitTop(string pattern)
    {
        var branches = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var end = AtomEnd(pattern, i);
            if (end < 0)
            {
                return null;
            }

            if (end != i)
            {
                i = end;
                continue;
            }

            switch (pattern[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    if (depth < 0)
                    {
                        return null;
                    }

                    break;
                case '|' when depth == 0:
                    branches.Add(pattern[start..i]);
                    start = i + 1;
                    break;
            }
        }

        if (depth != 0)
        {
            return null;
        }

        branches.Add(pattern[start..]);
        return branches;
    }

    /// <summary>
    /// The last index of the escape or character class that starts at <paramref name="i"/>; <paramref name="i"/> itself
    /// for any other character; -1 for a class that does not close. A ']' first in a class is a literal.
    /// </summary>
    public static int AtomEnd(string pattern, int i)
    {
        if (pattern[i] == '\\')
        {
            return i + 1;
        }

        if (pattern[i] != '[')
        {
            return i;
        }

        var j = i + 1;
        if (j < pattern.Length && pattern[j] == '^')
        {
            j++;
        }

        if (j < pattern.Length && pattern[j] == ']')
        {
            j++;
        }

        while (j < pattern.Length && pattern[j] != ']')
        {
            j += pattern[j] == '\\' ? 2 : 1;
        }

        return j < pattern.Length ? j : -1;
    }
}
