using System.Numerics;
using System.Text.RegularExpressions;

namespace Comb.VulnDb.Versioning;

/// <summary>PyPI ordering per PEP 440 (the sort key pypa/packaging uses), with its accepted spellings.</summary>
public sealed partial class Pep440VersionComparer : VersionComparerBase<Pep440VersionComparer.Key>
{
    public static readonly Pep440VersionComparer Instance = new();

    public override string Scheme => VersionSchemes.Pep440;

    /// <summary>Parsed version. Pre: (0=a, 1=b, 2=rc, number) or null; Post/Dev null when absent.</summary>
    public sealed record Key(
        BigInteger Epoch,
        IReadOnlyList<BigInteger> Release,
        (int Kind, BigInteger Number)? Pre,
        BigInteger? Post,
        BigInteger? Dev,
        IReadOnlyList<string>? Local);

    [GeneratedRegex("""
        ^\s*v?
        (?:(?<epoch>[0-9]+)!)?
        (?<release>[0-9]+(?:\.[0-9]+)*)
        (?:[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?
        (?:(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?
        (?:[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?
        (?:\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
        \s*$
        """, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.IgnorePatternWhitespace | RegexOptions.ExplicitCapture)]
    private static partial Regex Pattern();

    protected internal override Key? Parse(string version)
    {
        var m = Pattern().Match(version);
        if (!m.Success)
        {
            return null;
        }

        var epoch = m.Groups["epoch"].Success ? Digits.Parse(m.Groups["epoch"].ValueSpan) : BigInteger.Zero;
        var release = m.Groups["release"].Value.Split('.').Select(p => Digits.Parse(p)).ToList();
        while (release.Count > 1 && release[^1].IsZero)
        {
            release.RemoveAt(release.Count - 1);
        }

        (int, BigInteger)? pre = null;
        if (m.Groups["pre_l"].Success)
        {
            var kind = m.Groups["pre_l"].Value.ToLowerInvariant() switch
            {
                "a" or "alpha" => 0,
                "b" or "beta" => 1,
                _ => 2,
            };
            pre = (kind, Digits.Parse(m.Groups["pre_n"].ValueSpan));
        }

        BigInteger? post = null;
        if (m.Groups["post_n1"].Success)
        {
            post = Digits.Parse(m.Groups["post_n1"].ValueSpan);
        }
        else if (m.Groups["post_l"].Success)
        {
            post = Digits.Parse(m.Groups["post_n2"].ValueSpan);
        }

        BigInteger? dev = m.Groups["dev_l"].Success ? Digits.Parse(m.Groups["dev_n"].ValueSpan) : null;
        IReadOnlyList<string>? local = m.Groups["local"].Success
            ? m.Groups["local"].Value.ToLowerInvariant().Split('-', '_', '.')
            : null;
        return new Key(epoch, release, pre, post, dev, local);
    }

    protected override int CompareKeys(Key a, Key b)
    {
        var c = a.Epoch.CompareTo(b.Epoch);
        if (c != 0)
        {
            return c;
        }

        for (var i = 0; i < Math.Max(a.Release.Count, b.Release.Count); i++)
        {
            var x = i < a.Release.Count ? a.Release[i] : BigInteger.Zero;
            var y = i < b.Release.Count ? b.Release[i] : BigInteger.Zero;
            c = x.CompareTo(y);
            if (c != 0)
            {
                return c;
            }
        }

        c = PreRank(a).CompareTo(PreRank(b));
        if (c == 0 && a.Pre is { } pa && b.Pre is { } pb)
        {
            c = pa.Kind != pb.Kind ? pa.Kind.CompareTo(pb.Kind) : pa.Number.CompareTo(pb.Number);
        }

        if (c != 0)
        {
            return c;
        }

        // No post-release sorts before any post-release.
        c = (a.Post.HasValue, b.Post.HasValue) switch
        {
            (false, true) => -1,
            (true, false) => 1,
            (true, true) => a.Post!.Value.CompareTo(b.Post!.Value),
            _ => 0,
        };
        if (c != 0)
        {
            return c;
        }

        // No dev-release sorts after any dev-release.
        c = (a.Dev.HasValue, b.Dev.HasValue) switch
        {
            (false, true) => 1,
            (true, false) => -1,
            (true, true) => a.Dev!.Value.CompareTo(b.Dev!.Value),
            _ => 0,
        };
        return c != 0 ? c : CompareLocal(a.Local, b.Local);
    }

    /// <summary>-1: a bare dev release (before every pre-release); 0: has a pre-release; 1: none (after them).</summary>
    private static int PreRank(Key k) => k.Pre is not null ? 0 : k.Post is null && k.Dev is not null ? -1 : 1;

    private static int CompareLocal(IReadOnlyList<string>? a, IReadOnlyList<string>? b)
    {
        if (a is null || b is null)
        {
            return (a is null ? 0 : 1) - (b is null ? 0 : 1);
        }

        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            bool an = Digits.AllDigits(a[i]), bn = Digits.AllDigits(b[i]);
            var c = (an, bn) switch
            {
                (true, true) => Digits.Compare(a[i], b[i]),
                (true, false) => 1,
                (false, true) => -1,
                _ => Math.Sign(string.CompareOrdinal(a[i], b[i])),
            };
            if (c != 0)
            {
                return c;
            }
        }

        return a.Count.CompareTo(b.Count);
    }
}
