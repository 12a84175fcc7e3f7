namespace Comb.VulnDb.Versioning;

/// <summary>
/// Alpine apk-tools (v3) ordering: digit{.digit}{letter}{_suffix{N}}{~hash}{-rN}, token by token.
/// Digit components after the first that start with '0' compare as strings (Gentoo rule).
/// </summary>
public sealed class ApkVersionComparer : VersionComparerBase<ApkVersionComparer.Key>
{
    public static readonly ApkVersionComparer Instance = new();

    public override string Scheme => VersionSchemes.Apk;

    internal enum TokenType
    {
        InitialDigit,
        Digit,
        Letter,
        Suffix,
        SuffixNumber,
        CommitHash,
        Revision,
        End,
    }

    // Index 5 is "no suffix": everything before it is a pre-release.
    private static readonly string[] Suffixes = ["", "alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"];
    private const int NoSuffix = 5;

    internal readonly record struct Token(TokenType Type, string Value, int Suffix);

    /// <summary>Parsed tokens (opaque outside the comparer).</summary>
    public sealed class Key
    {
        internal Key(IReadOnlyList<Token> tokens) => Tokens = tokens;

        internal IReadOnlyList<Token> Tokens { get; }
    }

    protected internal override Key? Parse(string version)
    {
        var s = version;
        var tokens = new List<Token>();
        var i = 0;
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        if (i == start)
        {
            return null;
        }

        tokens.Add(new Token(TokenType.InitialDigit, s[start..i], 0));
        var last = TokenType.InitialDigit;
        while (i < s.Length)
        {
            var c = s[i];
            if (c is >= 'a' and <= 'z')
            {
                if (last > TokenType.Digit)
                {
                    return null;
                }

                tokens.Add(new Token(TokenType.Letter, s[i..(i + 1)], 0));
                last = TokenType.Letter;
                i++;
            }
            else if (c == '.' || char.IsAsciiDigit(c))
            {
                if (c == '.')
                {
                    if (last > TokenType.Digit)
                    {
                        return null;
                    }

                    i++;
                }

                var type = last switch
                {
                    TokenType.InitialDigit or TokenType.Digit => TokenType.Digit,
                    TokenType.Suffix => TokenType.SuffixNumber,
                    _ => (TokenType?)null,
                };
                start = i;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    i++;
                }

                if (type is null || i == start)
                {
                    return null;
                }

                tokens.Add(new Token(type.Value, s[start..i], 0));
                last = type.Value;
            }
            else if (c == '_')
            {
                if (last > TokenType.SuffixNumber)
                {
                    return null;
                }

                start = ++i;
                while (i < s.Length && s[i] is >= 'a' and <= 'z')
                {
                    i++;
                }

                var name = s[start..i];
                var index = name.Length == 0 ? -1 : Array.IndexOf(Suffixes, name);
                if (index <= 0)
                {
                    return null;
                }

                tokens.Add(new Token(TokenType.Suffix, name, index));
                last = TokenType.Suffix;
            }
            else if (c == '~')
            {
                if (last >= TokenType.CommitHash)
                {
                    return null;
                }

                start = ++i;
                while (i < s.Length && char.IsAsciiHexDigit(s[i]))
                {
                    i++;
                }

                if (i == start)
                {
                    return null;
                }

                tokens.Add(new Token(TokenType.CommitHash, s[start..i], 0));
                last = TokenType.CommitHash;
            }
            else if (c == '-')
            {
                if (last >= TokenType.Revision || i + 1 >= s.Length || s[i + 1] != 'r')
                {
                    return null;
                }

                i += 2;
                start = i;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    i++;
                }

                if (i == start)
                {
                    return null;
                }

                tokens.Add(new Token(TokenType.Revision, s[start..i], 0));
                last = TokenType.Revision;
            }
            else
            {
                return null;
            }
        }

        return new Key(tokens);
    }

    protected override int CompareKeys(Key left, Key right)
    {
        var a = left.Tokens;
        var b = right.Tokens;
        var n = 0;
        while (n < a.Count && n < b.Count && a[n].Type == b[n].Type)
        {
            var c = CompareToken(a[n], b[n]);
            if (c != 0)
            {
                return c;
            }

            n++;
        }

        var at = n < a.Count ? a[n].Type : TokenType.End;
        var bt = n < b.Count ? b[n].Type : TokenType.End;
        if (at == bt)
        {
            return 0;
        }

        // The longer version is newer, unless what it has next is a pre-release suffix.
        if (at == TokenType.Suffix && a[n].Suffix < NoSuffix)
        {
            return -1;
        }

        if (bt == TokenType.Suffix && b[n].Suffix < NoSuffix)
        {
            return 1;
        }

        return at > bt ? -1 : 1;
    }

    private static int CompareToken(Token a, Token b)
    {
        switch (a.Type)
        {
            case TokenType.Digit when a.Value[0] == '0' || b.Value[0] == '0':
                return StringSort(a.Value, b.Value);
            case TokenType.Digit:
            case TokenType.InitialDigit:
            case TokenType.SuffixNumber:
            case TokenType.Revision:
                return Digits.Compare(a.Value, b.Value);
            case TokenType.Letter:
                return a.Value[0].CompareTo(b.Value[0]);
            case TokenType.Suffix:
                return a.Suffix.CompareTo(b.Suffix);
            default:
                return StringSort(a.Value, b.Value);
        }
    }

    /// <summary>apk_blob_sort: bytes first, then the shorter one first.</summary>
    private static int StringSort(string a, string b)
    {
        var common = Math.Min(a.Length, b.Length);
        var c = a.AsSpan(0, common).SequenceCompareTo(b.AsSpan(0, common));
        return c != 0 ? Math.Sign(c) : a.Length.CompareTo(b.Length);
    }
}
