namespace Comb.VulnDb.Versioning;

/// <summary>Debian/Ubuntu ordering as dpkg implements it: epoch, then upstream and revision with verrevcmp.</summary>
public sealed class DpkgVersionComparer : VersionComparerBase<DpkgVersionComparer.Key>
{
    public static readonly DpkgVersionComparer Instance = new();

    public override string Scheme => VersionSchemes.Dpkg;

    public sealed record Key(string Epoch, string Upstream, string Revision, bool Valid);

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
        var upstream = dash >= 0 ? text[..dash] : text;
        var revision = dash >= 0 ? text[(dash + 1)..] : string.Empty;
        if (upstream.Length == 0)
        {
            return null;
        }

        var valid = char.IsAsciiDigit(upstream[0])
            && upstream.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '~' or '-' || (c == ':' && colon >= 0))
            && (dash < 0 || revision.Length > 0)
            && revision.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '~');
        return new Key(epoch, upstream, revision, valid);
    }

    protected override int CompareKeys(Key left, Key right)
    {
        var c = Digits.Compare(left.Epoch, right.Epoch);
        if (c != 0)
        {
            return c;
        }

        c = VerRevCmp(left.Upstream, right.Upstream);
        return c != 0 ? c : VerRevCmp(left.Revision, right.Revision);
    }

    /// <summary>dpkg's character weight: '~' before end of string, letters before everything else.</summary>
    private static int Order(char c) =>
        char.IsAsciiDigit(c) ? 0 : char.IsAsciiLetter(c) ? c : c == '~' ? -1 : c + 256;

    internal static int VerRevCmp(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            var firstDiff = 0;
            while ((i < a.Length && !char.IsAsciiDigit(a[i])) || (j < b.Length && !char.IsAsciiDigit(b[j])))
            {
                var ac = i < a.Length ? Order(a[i]) : 0;
                var bc = j < b.Length ? Order(b[j]) : 0;
                if (ac != bc)
                {
                    return ac - bc;
                }

                i++;
                j++;
            }

            while (i < a.Length && a[i] == '0')
            {
                i++;
            }

            while (j < b.Length && b[j] == '0')
            {
                j++;
            }

            while (i < a.Length && char.IsAsciiDigit(a[i]) && j < b.Length && char.IsAsciiDigit(b[j]))
            {
                if (firstDiff == 0)
                {
                    firstDiff = a[i] - b[j];
                }

                i++;
                j++;
            }

            if (i < a.Length && char.IsAsciiDigit(a[i]))
            {
                return 1;
            }

            if (j < b.Length && char.IsAsciiDigit(b[j]))
            {
                return -1;
            }

            if (firstDiff != 0)
            {
                return firstDiff;
            }
        }

        return 0;
    }
}
