using System.Numerics;

namespace Comb.VulnDb.Versioning;

/// <summary>
/// Maven ordering as the POM "Version Order Specification" states it (and OSV evaluates Maven ranges):
/// tokens split at '.', '-' and digit/letter transitions, each remembering its separator; trailing nulls trimmed;
/// qualifiers alpha &lt; beta &lt; milestone &lt; rc = cr &lt; snapshot &lt; "" = ga = final = release &lt; sp &lt; unknown (lexical).
/// Where separators differ: ".qualifier" &lt; "-qualifier" &lt; "-number" &lt; ".number".
/// A padded null next to a '.' qualifier counts as the release qualifier "" (so 1.sp &gt; 1, as Maven says).
/// </summary>
public sealed class MavenVersionComparer : VersionComparerBase<MavenVersionComparer.Key>
{
    public static readonly MavenVersionComparer Instance = new();

    private static readonly string[] Keywords = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

    public override string Scheme => VersionSchemes.Maven;

    internal readonly record struct Token(char Prefix, bool IsNumber, BigInteger Number, string Qualifier, bool IsNull = false);

    /// <summary>Parsed tokens (opaque outside the comparer).</summary>
    public sealed class Key
    {
        internal Key(IReadOnlyList<Token> tokens) => Tokens = tokens;

        internal IReadOnlyList<Token> Tokens { get; }
    }

    protected internal override Key? Parse(string version)
    {
        var text = version.Trim().ToLowerInvariant();
        if (text.Length == 0 || text.AsSpan().ContainsAny(" \t\r\n/\\"))
        {
            return null;
        }

        var tokens = new List<Token>();
        var prefix = '\0';
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] is not ('.' or '-'))
            {
                continue;
            }

            AddPart(tokens, prefix, text[start..i]);
            if (i < text.Length)
            {
                prefix = text[i];
                start = i + 1;
            }
        }

        Trim(tokens);
        return new Key(tokens);
    }

    /// <summary>Splits one separator-delimited part at digit/non-digit transitions (each acts as '-').</summary>
    private static void AddPart(List<Token> tokens, char prefix, string part)
    {
        if (part.Length == 0)
        {
            tokens.Add(new Token(prefix, true, BigInteger.Zero, string.Empty));
            return;
        }

        var start = 0;
        for (var i = 1; i <= part.Length; i++)
        {
            if (i < part.Length && char.IsAsciiDigit(part[i]) == char.IsAsciiDigit(part[i - 1]))
            {
                continue;
            }

            var piece = part[start..i];
            var followedByTransition = i < part.Length;
            if (Digits.AllDigits(piece))
            {
                tokens.Add(new Token(prefix, true, Digits.Parse(piece), string.Empty));
            }
            else
            {
                var q = piece switch
                {
                    "cr" => "rc",
                    "ga" or "final" or "release" => string.Empty,
                    "a" when followedByTransition => "alpha",
                    "b" when followedByTransition => "beta",
                    "m" when followedByTransition => "milestone",
                    _ => piece,
                };
                tokens.Add(new Token(prefix, false, BigInteger.Zero, q));
            }

            start = i;
            prefix = '-';
        }
    }

    private static bool IsNullValue(Token t) => t.IsNumber ? t.Number.IsZero : t.Qualifier.Length == 0;

    /// <summary>Drops trailing null values, then repeats before each remaining '-' from the end to the start.</summary>
    private static void Trim(List<Token> tokens)
    {
        var i = tokens.Count - 1;
        while (i > 0)
        {
            if (IsNullValue(tokens[i]))
            {
                tokens.RemoveAt(i);
                i--;
                continue;
            }

            while (i >= 0 && tokens[i].Prefix != '-')
            {
                i--;
            }

            i--;
        }
    }

    protected override int CompareKeys(Key left, Key right)
    {
        var a = left.Tokens;
        var b = right.Tokens;
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            var x = i < a.Count ? a[i] : Pad(b[i].Prefix);
            var y = i < b.Count ? b[i] : Pad(a[i].Prefix);
            var c = CompareTokens(x, y);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static Token Pad(char prefix) => prefix == '-'
        ? new Token('-', false, BigInteger.Zero, string.Empty, IsNull: true)
        : new Token(prefix, true, BigInteger.Zero, string.Empty, IsNull: true);

    private static int CompareTokens(Token x, Token y)
    {
        if (x.Prefix != y.Prefix)
        {
            return SeparatorRank(x).CompareTo(SeparatorRank(y));
        }

        if (x.IsNumber && y.IsNumber)
        {
            return x.Number.CompareTo(y.Number);
        }

        if (x.IsNumber && !x.IsNull)
        {
            return 1;
        }

        if (y.IsNumber && !y.IsNull)
        {
            return -1;
        }

        // Qualifiers (a padded null counts as the release qualifier "").
        var qx = x.IsNumber ? string.Empty : x.Qualifier;
        var qy = y.IsNumber ? string.Empty : y.Qualifier;
        int ix = KeywordIndex(qx), iy = KeywordIndex(qy);
        if (ix == Keywords.Length && iy == Keywords.Length)
        {
            return Math.Sign(string.CompareOrdinal(qx, qy));
        }

        return ix.CompareTo(iy);
    }

    private static int KeywordIndex(string q)
    {
        var i = Array.IndexOf(Keywords, q);
        return i < 0 ? Keywords.Length : i;
    }

    /// <summary>".qualifier" &lt; "-qualifier" &lt; "-number" &lt; ".number" (the first token has no separator).</summary>
    private static int SeparatorRank(Token t) => (t.IsNumber, t.Prefix) switch
    {
        (false, '.') => 0,
        (false, _) => 1,
        (true, '-') => 2,
        _ => 3,
    };
}
