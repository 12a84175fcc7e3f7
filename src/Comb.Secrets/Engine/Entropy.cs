namespace Comb.Secrets.Engine;

/// <summary>Shannon entropy in bits per character: random tokens score high, words and repeats low.</summary>
internal static class Entropy
{
    public static double Shannon(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        Span<int> ascii = stackalloc int[128];
        Dictionary<char, int>? other = null;
        foreach (var c in text)
        {
            if (c < 128)
            {
                ascii[c]++;
            }
            else
            {
                other ??= [];
                other[c] = other.GetValueOrDefault(c) + 1;
            }
        }

        double total = text.Length;
        double bits = 0;
        foreach (var n in ascii)
        {
            if (n > 0)
            {
                var p = n / total;
                bits -= p * Math.Log2(p);
            }
        }

        if (other is not null)
        {
            foreach (var n in other.Values)
            {
                var p = n / total;
                bits -= p * Math.Log2(p);
            }
        }

        return bits;
    }
}
