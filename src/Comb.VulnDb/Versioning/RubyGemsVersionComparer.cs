using System.Numerics;
using System.Text.RegularExpressions;

namespace Comb.VulnDb.Versioning;

/// <summary>Gem::Version ordering: numeric and letter segments, a letter makes a pre-release, trailing zeros dropped.</summary>
public sealed partial class RubyGemsVersionComparer : VersionComparerBase<RubyGemsVersionComparer.Key>
{
    public static readonly RubyGemsVersionComparer Instance = new();

    public override string Scheme => VersionSchemes.RubyGems;

    /// <summary>Canonical segments: each a BigInteger or a string.</summary>
    public sealed class Key(IReadOnlyList<object> segments)
    {
        internal IReadOnlyList<object> Segments { get; } = segments;
    }

    [GeneratedRegex(@"^\s*[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex Valid();

    [GeneratedRegex("[0-9]+|[a-zA-Z]+", RegexOptions.CultureInvariant)]
    private static partial Regex Segment();

    protected internal override Key? Parse(string version)
    {
        var text = version.Trim();
        if (text.Length == 0)
        {
            text = "0";
        }

        if (!Valid().IsMatch(text))
        {
            return null;
        }

        text = text.Replace("-", ".pre.", StringComparison.Ordinal);
        var segments = Segment().Matches(text)
            .Select(m => Digits.AllDigits(m.ValueSpan) ? (object)Digits.Parse(m.ValueSpan) : m.Value)
            .ToList();

        // canonical_segments: drop trailing zeros of the numeric head and of the rest separately.
        var firstString = segments.FindIndex(s => s is string);
        var head = firstString < 0 ? segments : segments[..firstString];
        var tail = firstString < 0 ? [] : segments[firstString..];
        return new Key([.. DropTrailingZeros(head), .. DropTrailingZeros(tail)]);
    }

    private static List<object> DropTrailingZeros(List<object> items)
    {
        var end = items.Count;
        while (end > 0 && items[end - 1] is BigInteger n && n.IsZero)
        {
            end--;
        }

        return items[..end];
    }

    protected override int CompareKeys(Key left, Key right)
    {
        var a = left.Segments;
        var b = right.Segments;
        for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            var x = i < a.Count ? a[i] : BigInteger.Zero;
            var y = i < b.Count ? b[i] : BigInteger.Zero;
            var c = (x, y) switch
            {
                (BigInteger p, BigInteger q) => p.CompareTo(q),
                (string, BigInteger) => -1,
                (BigInteger, string) => 1,
                _ => Math.Sign(string.CompareOrdinal((string)x, (string)y)),
            };
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }
}
