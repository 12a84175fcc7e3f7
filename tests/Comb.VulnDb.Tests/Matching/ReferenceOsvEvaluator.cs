using System.Text.Json;

namespace Comb.VulnDb.Tests.Matching;

/// <summary>
/// A deliberately simple OSV evaluator, written apart from Comb's matcher and version schemes, to check them against:
/// the OSV specification's range walk (events sorted, introduced turns affected on, fixed and last_affected off) over
/// plain version comparisons (dpkg, rpm, apk and a generic dotted scheme where a trailing letter run is a pre-release).
/// </summary>
internal static class ReferenceOsvEvaluator
{
    /// <summary>Whether <paramref name="version"/> is affected according to one OSV affected[] entry.</summary>
    public static bool IsAffected(JsonElement affected, string ecosystem, string version)
    {
        if (affected.TryGetProperty("versions", out var versions) && versions.ValueKind == JsonValueKind.Array
            && versions.EnumerateArray().Any(v => v.GetString() == version))
        {
            return true;
        }

        if (!affected.TryGetProperty("ranges", out var ranges) || ranges.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var range in ranges.EnumerateArray())
        {
            var type = range.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type is not ("ECOSYSTEM" or "SEMVER") || !range.TryGetProperty("events", out var events))
            {
                continue;
            }

            var list = events.EnumerateArray().SelectMany(e => e.EnumerateObject()).Select(p => (Kind: p.Name, Version: p.Value.GetString() ?? "")).ToList();
            list.Sort((a, b) => Compare(ecosystem, a.Version, b.Version));
            var state = false;
            foreach (var (kind, at) in list)
            {
                var cmp = at == "0" ? 1 : Compare(ecosystem, version, at);
                switch (kind)
                {
                    case "introduced" when cmp >= 0:
                        state = true;
                        break;
                    case "fixed" when cmp >= 0:
                    case "last_affected" when cmp > 0:
                        state = false;
                        break;
                }
            }

            if (state)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the version is at or past a fixed (or past a last_affected) version the entry names.</summary>
    public static bool IsPastAFix(JsonElement affected, string ecosystem, string version) =>
        affected.TryGetProperty("ranges", out var ranges) && ranges.ValueKind == JsonValueKind.Array
        && ranges.EnumerateArray().Where(r => r.TryGetProperty("events", out _)).SelectMany(r => r.GetProperty("events").EnumerateArray()).SelectMany(e => e.EnumerateObject())
            .Any(p => (p.Name == "fixed" && Compare(ecosystem, version, p.Value.GetString()!) >= 0)
                || (p.Name == "last_affected" && Compare(ecosystem, version, p.Value.GetString()!) > 0));

    public static int Compare(string ecosystem, string a, string b)
    {
        if (a == "0" || b == "0")
        {
            return a == b ? 0 : a == "0" ? -1 : 1;
        }

        var family = ecosystem.Split(':')[0];
        return family switch
        {
            "Debian" or "Ubuntu" => Dpkg(a, b),
            "AlmaLinux" or "Rocky Linux" or "Red Hat" => Rpm(a, b),
            "Alpine" => Apk(a, b),
            _ => Dotted(a, b),
        };
    }

    /// <summary>Debian policy 5.6.12: epoch, then upstream and revision by the lexical/numeric alternation, ~ sorting first.</summary>
    private static int Dpkg(string a, string b)
    {
        var (ea, ua, ra) = SplitDpkg(a);
        var (eb, ub, rb) = SplitDpkg(b);
        var c = ea.CompareTo(eb);
        if (c != 0)
        {
            return c;
        }

        c = DpkgPart(ua, ub);
        return c != 0 ? c : DpkgPart(ra, rb);
    }

    private static (long Epoch, string Upstream, string Revision) SplitDpkg(string v)
    {
        var colon = v.IndexOf(':');
        var epoch = colon > 0 && long.TryParse(v[..colon], out var e) ? e : 0;
        var rest = colon > 0 ? v[(colon + 1)..] : v;
        var dash = rest.LastIndexOf('-');
        return dash > 0 ? (epoch, rest[..dash], rest[(dash + 1)..]) : (epoch, rest, "");
    }

    private static int DpkgPart(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            while ((i < a.Length && !char.IsAsciiDigit(a[i])) || (j < b.Length && !char.IsAsciiDigit(b[j])))
            {
                var ca = i < a.Length && !char.IsAsciiDigit(a[i]) ? DpkgOrder(a[i]) : 0;
                var cb = j < b.Length && !char.IsAsciiDigit(b[j]) ? DpkgOrder(b[j]) : 0;
                if (ca != cb)
                {
                    return ca.CompareTo(cb);
                }

                if (i < a.Length && !char.IsAsciiDigit(a[i]))
                {
                    i++;
                }

                if (j < b.Length && !char.IsAsciiDigit(b[j]))
                {
                    j++;
                }
            }

            var c = Numeric(a, ref i).CompareTo(Numeric(b, ref j));
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }

    private static int DpkgOrder(char c) => c == '~' ? -1 : char.IsAsciiLetter(c) ? c : c + 256;

    private static System.Numerics.BigInteger Numeric(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        return i == start ? 0 : System.Numerics.BigInteger.Parse(s.AsSpan(start, i - start));
    }

    /// <summary>rpmvercmp over epoch:version-release: alphanumeric segments, digits beat letters, ~ sorts first.</summary>
    private static int Rpm(string a, string b)
    {
        var (ea, va) = RpmEpoch(a);
        var (eb, vb) = RpmEpoch(b);
        return ea != eb ? ea.CompareTo(eb) : RpmSegments(va, vb);
    }

    private static (long, string) RpmEpoch(string v)
    {
        var colon = v.IndexOf(':');
        return colon > 0 && long.TryParse(v[..colon], out var e) ? (e, v[(colon + 1)..]) : (0, v);
    }

    private static int RpmSegments(string a, string b)
    {
        int i = 0, j = 0;
        while (true)
        {
            while (i < a.Length && !char.IsAsciiLetterOrDigit(a[i]) && a[i] != '~')
            {
                i++;
            }

            while (j < b.Length && !char.IsAsciiLetterOrDigit(b[j]) && b[j] != '~')
            {
                j++;
            }

            var tildeA = i < a.Length && a[i] == '~';
            var tildeB = j < b.Length && b[j] == '~';
            if (tildeA || tildeB)
            {
                if (!(tildeA && tildeB))
                {
                    return tildeA ? -1 : 1;
                }

                i++;
                j++;
                continue;
            }

            if (i >= a.Length || j >= b.Length)
            {
                return (i < a.Length).CompareTo(j < b.Length);
            }

            var digits = char.IsAsciiDigit(a[i]);
            if (digits != char.IsAsciiDigit(b[j]))
            {
                return digits ? 1 : -1;
            }

            var si = i;
            var sj = j;
            while (i < a.Length && (digits ? char.IsAsciiDigit(a[i]) : char.IsAsciiLetter(a[i])))
            {
                i++;
            }

            while (j < b.Length && (digits ? char.IsAsciiDigit(b[j]) : char.IsAsciiLetter(b[j])))
            {
                j++;
            }

            var c = digits
                ? System.Numerics.BigInteger.Parse(a.AsSpan(si, i - si)).CompareTo(System.Numerics.BigInteger.Parse(b.AsSpan(sj, j - sj)))
                : string.CompareOrdinal(a[si..i], b[sj..j]);
            if (c != 0)
            {
                return Math.Sign(c);
            }
        }
    }

    /// <summary>Alpine: upstream by the dotted rule (letters after a number count up, _alpha.._rc down, _p up), then -rN.</summary>
    private static int Apk(string a, string b)
    {
        var (ua, ra) = SplitApk(a);
        var (ub, rb) = SplitApk(b);
        var c = Dotted(ua, ub);
        return c != 0 ? c : ra.CompareTo(rb);
    }

    private static (string, long) SplitApk(string v)
    {
        var at = v.LastIndexOf("-r", StringComparison.Ordinal);
        return at > 0 && long.TryParse(v[(at + 2)..], out var r) ? (v[..at], r) : (v, 0);
    }

    /// <summary>
    /// Numbers compare numerically and words alphabetically; where one version ends, a following word is a pre-release
    /// (1.0-rc1 &lt; 1.0) unless it is a post-release marker (p, post, pl, patch, sp, a letter right after a number).
    /// </summary>
    private static int Dotted(string a, string b)
    {
        var ta = Tokens(a);
        var tb = Tokens(b);
        for (var k = 0; ; k++)
        {
            if (k >= ta.Count && k >= tb.Count)
            {
                return 0;
            }

            if (k >= ta.Count || k >= tb.Count)
            {
                // The shorter version is padded with zeros (1.0 == 1.0.0); a word after it decides as pre/post release.
                var (longer, sign) = k >= ta.Count ? (tb, -1) : (ta, 1);
                var next = longer[k];
                if (next.Number)
                {
                    if (next.Value.IsZero)
                    {
                        continue;
                    }

                    return sign;
                }

                return next.Post ? sign : -sign;
            }

            var x = ta[k];
            var y = tb[k];
            if (x.Number != y.Number)
            {
                // A word against a number: the word is a pre-release, below it.
                return x.Number ? (y.Post ? -1 : 1) : (x.Post ? 1 : -1);
            }

            var c = x.Number ? x.Value.CompareTo(y.Value) : string.CompareOrdinal(x.Text, y.Text);
            if (c != 0)
            {
                return Math.Sign(c);
            }
        }
    }

    private readonly record struct Token(bool Number, System.Numerics.BigInteger Value, string Text, bool Post);

    private static List<Token> Tokens(string v)
    {
        var s = v.Trim().TrimStart('v', 'V').ToLowerInvariant();
        var plus = s.IndexOf('+');
        if (plus >= 0)
        {
            s = s[..plus];
        }

        var list = new List<Token>();
        var i = 0;
        while (i < s.Length)
        {
            if (char.IsAsciiDigit(s[i]))
            {
                var start = i;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    i++;
                }

                list.Add(new Token(true, System.Numerics.BigInteger.Parse(s.AsSpan(start, i - start)), "", false));
            }
            else if (char.IsAsciiLetter(s[i]))
            {
                var start = i;
                var afterNumber = i > 0 && char.IsAsciiDigit(s[i - 1]) && (i + 1 >= s.Length || !char.IsAsciiLetter(s[i + 1]));
                while (i < s.Length && char.IsAsciiLetter(s[i]))
                {
                    i++;
                }

                var text = s[start..i];
                var post = text is "p" or "post" or "pl" or "patch" or "sp" or "final" or "ga" or "release" || (afterNumber && text.Length == 1 && text is not ("a" or "b" or "c"));
                list.Add(new Token(false, 0, text, post));
            }
            else
            {
                i++;
            }
        }

        return list;
    }
}
