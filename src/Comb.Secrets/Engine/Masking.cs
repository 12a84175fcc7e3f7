using System.Text;

namespace Comb.Secrets.Engine;

/// <summary>Turns a secret into something safe to print: at most a few characters at each end survive.</summary>
public static class Masking
{
    private const int MaxStars = 32;

    /// <summary>Keeps 4 characters at each end for long values, 2 for medium ones, none for short ones.</summary>
    public static string Mask(ReadOnlySpan<char> secret)
    {
        var flat = Flatten(secret);
        // Long blobs (key bodies, certificates) show nothing: their ends are structure, not evidence.
        var keep = flat.Length > 100 ? 0 : flat.Length >= 20 ? 4 : flat.Length >= 12 ? 2 : 0;
        var stars = Math.Min(MaxStars, Math.Max(flat.Length - (2 * keep), 4));
        var sb = new StringBuilder(keep * 2 + stars);
        sb.Append(flat, 0, keep).Append('*', stars).Append(flat, flat.Length - keep, keep);
        return sb.ToString();
    }

    // Multi-line secrets (PEM blocks) keep only their first line's shape for the ends.
    private static string Flatten(ReadOnlySpan<char> secret)
    {
        var newline = secret.IndexOfAny('\r', '\n');
        if (newline < 0)
        {
            return secret.ToString();
        }

        // Keep the header start and the footer end, which are not secret, but never key material.
        var last = secret.LastIndexOfAny('\r', '\n');
        return string.Concat(secret[..newline], new string('*', 8), secret[(last + 1)..]);
    }
}
