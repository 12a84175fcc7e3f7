namespace Comb.VulnDb.Versioning;

/// <summary>
/// RPM EVR ordering: epoch numerically (missing = 0), then rpmvercmp on version, then on release.
/// A missing release compares as an empty string (older than any release).
/// </summary>
public sealed class RpmVersionComparer : VersionComparerBase<RpmVersionComparer.Key>
{
    public static readonly RpmVersionComparer Instance = new();

    public override string Scheme => VersionSchemes.Rpm;

    public sealed record Key(string Epoch, string Version, string Release, bool Valid);

    public override bool IsValid(string version) => ParseCached(version) is { Valid: true };

    protected internal override Key? Parse(string version)
    {
        var text = version.Trim();
        if (text.Length == 0 || text.AsSpan().ContainsAny(" \t\r\n"))
        {
            return null;
        }

        var epoch = "0";
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            epoch = text[..colon];
            if (!Digits.AllDigits(epoch))
            {
                return null;
            }

            text = text[(colon + 1)..];
        }

        var dash = text.LastIndexOf('-');
        var ver = dash >= 0 ? text[..dash] : text;
        var rel = dash >= 0 ? text[(dash + 1)..] : string.Empty;
        var valid = ver.Length > 0 && ver.Any(char.IsAsciiLetterOrDigit)
            && ver.All(IsEvrChar) && rel.All(IsEvrChar) && (dash < 0 || rel.Length > 0);
        return new Key(epoch, ver, rel, valid);
    }

    private static bool IsEvrChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '+' or '~' or '^';

    protected override int CompareKeys(Key left, Key right)
    {
        var c = Digits.Compare(left.Epoch, right.Epoch);
        if (c != 0)
        {
            return c;
        }

        c = RpmVerCmp(left.Version, right.Version);
        return c != 0 ? c : RpmVerCmp(left.Release, right.Release);
    }

    private static bool IsSeparator(char c) => !char.IsAsciiLetterOrDigit(c) && c != '~' && c != '^';

    /// <summary>rpmvercmp: alternating digit/letter segments, separators equivalent, '~' older, '^' newer than end.</summary>
    internal static int RpmVerCmp(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return 0;
        }

        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            while (i < a.Length && IsSeparator(a[i]))
            {
                i++;
            }

            while (j < b.Length && IsSeparator(b[j]))
            {
                j++;
            }

            bool aTilde = i < a.Length && a[i] == '~', bTilde = j < b.Length && b[j] == '~';
            if (aTilde || bTilde)
            {
                if (!aTilde)
                {
                    return 1;
                }

                if (!bTilde)
                {
                    return -1;
                }

                i++;
                j++;
                continue;
            }

            bool aCaret = i < a.Length && a[i] == '^', bCaret = j < b.Length && b[j] == '^';
            if (aCaret || bCaret)
            {
                if (i >= a.Length)
                {
                    return -1;
                }

                if (j >= b.Length)
                {
                    return 1;
                }

                if (!aCaret)
                {
                    return 1;
                }

                if (!bCaret)
                {
                    return -1;
                }

                i++;
                j++;
                continue;
            }

            if (i >= a.Length || j >= b.Length)
            {
                break;
            }

            int si = i, sj = j;
            var numeric = char.IsAsciiDigit(a[i]);
            if (numeric)
            {
                while (i < a.Length && char.IsAsciiDigit(a[i]))
                {
                    i++;
                }

                while (j < b.Length && char.IsAsciiDigit(b[j]))
                {
                    j++;
                }
            }
            else
            {
                while (i < a.Length && char.IsAsciiLetter(a[i]))
                {
                    i++;
                }

                while (j < b.Length && char.IsAsciiLetter(b[j]))
                {
                    j++;
                }
            }

            if (sj == j)
            {
                // Segment types differ: the numeric one is newer.
                return numeric ? 1 : -1;
            }

            var c = numeric
                ? Digits.Compare(a.AsSpan(si, i - si), b.AsSpan(sj, j - sj))
                : Math.Sign(a.AsSpan(si, i - si).SequenceCompareTo(b.AsSpan(sj, j - sj)));
            if (c != 0)
            {
                return c;
            }
        }

        if (i >= a.Length && j >= b.Length)
        {
            return 0;
        }

        return i < a.Length ? 1 : -1;
    }
}
