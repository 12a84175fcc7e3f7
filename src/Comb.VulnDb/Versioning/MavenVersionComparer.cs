using System.Numerics;

namespace Comb.VulnDb.Versioning;

/// <summary>
/// Maven ordering as the POM "Version Order Specification" states it (and OSV evaluates Maven ranges):
/// tokens split at '.', '-' and digit/letter transitions, each remembering its separator; trailing nulls trimmed;
/// qualifiers alpha &lt; beta &lt; milestone &lt; rc = cr &lt; snapshot &lt; "" = ga = final = release &lt; sp &lt; unknown (lexical).
/// Qualifiers rank the same after '.' or '-' (1.foo = 1-foo), numbers after '-' rank below numbers after '.'
/// (1-1 &lt; 1.1), every number ranks above every qualifier. Maven's own ComparableVersion and OSV's port are not
/// transitive for odd mixes (1.b &gt; 1 &gt; 1-rc &gt; 1.b); here every token has one place in a single order, so
/// such mixes are ordered consistently while ordinary versions order exactly as Maven orders them.
/// </summary>
public sealed class MavenVersionComparer : VersionComparerBase<MavenVersionComparer.Key>
{
    public static readonly MavenVersionComparer Instance = new();

    private static readonly string[] Keywords = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

    public override string Scheme => VersionSchemes.Maven;

    internal readonly record struct Token(char Prefix, bool IsNumber, BigInteger Number, string Qualifier);

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
        var missing = (Band: 1, Number: BigInteger.Zero, Text: string.Empty);
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            var x = i < a.Count ? Atom(a[i]) : missing;
            var y = i < b.Count ? Atom(b[i]) : missing;
            var c = x.Band != y.Band ? x.Band.CompareTo(y.Band)
                : x.Number != y.Number ? x.Number.CompareTo(y.Number)
                : Math.Sign(string.CompareOrdinal(x.Text, y.Text));
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    /// <summary>
    /// Places a token in one total order (so the comparison is transitive even for odd mixes):
    /// pre-release qualifiers &lt; null (missing, 0, "", ga, final, release) &lt; sp &lt; unknown qualifiers
    /// &lt; "-number" &lt; ".number".
    /// </summary>
    private static (int Band, BigInteger Number, string Text) Atom(Token t)
    {
        if (t.IsNumber)
        {
            return t.Number.IsZero ? (1, BigInteger.Zero, string.Empty) : (t.Prefix == '-' ? 4 : 5, t.Number, string.Empty);
        }

        var index = Array.IndexOf(Keywords, t.Qualifier);
        return index switch
        {
            < 0 => (3, BigInteger.Zero, t.Qualifier),
            < 5 => (0, index, string.Empty),
            5 => (1, BigInteger.Zero, string.Empty),
            _ => (2, BigInteger.Zero, string.Empty),
        };
    }
}
