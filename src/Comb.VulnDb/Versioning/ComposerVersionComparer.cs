using System.Text;
using System.Text.RegularExpressions;

namespace Comb.VulnDb.Versioning;

/// <summary>
/// Packagist ordering: composer/semver's normalisation, then PHP version_compare on the normalised text.
/// Branch versions ("dev-main") are not orderable (IsValid false, fallback order).
/// </summary>
public sealed partial class ComposerVersionComparer : VersionComparerBase<ComposerVersionComparer.Key>
{
    public static readonly ComposerVersionComparer Instance = new();

    public override string Scheme => VersionSchemes.Composer;

    /// <summary>The normalised version ("1.2.0.0-beta2") split into version_compare parts.</summary>
    public sealed record Key(string Normalized, IReadOnlyList<string> Parts);

    private const string Modifier = @"[._-]?(?:(?<stab>stable|beta|b|rc|alpha|a|patch|pl|p)(?<stabn>(?:[.-]?\d+)*)?)?(?<dev>[.-]?dev)?";

    [GeneratedRegex(@"^v?(?<n1>\d{1,5})(?<n2>\.\d+)?(?<n3>\.\d+)?(?<n4>\.\d+)?" + Modifier + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Classic();

    [GeneratedRegex(@"^v?(?<date>\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})" + Modifier + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Date();

    [GeneratedRegex(@"^v?(?<p1>\d+)(?<p2>\.(?:\d+|[xX*]))?(?<p3>\.(?:\d+|[xX*]))?(?<p4>\.(?:\d+|[xX*]))?[.-]?dev$", RegexOptions.CultureInvariant)]
    private static partial Regex Branch();

    /// <summary>composer/semver VersionParser::normalize for the forms that can be ordered; null otherwise.</summary>
    public static string? Normalize(string version)
    {
        var v = version.Trim();
        var alias = v.IndexOf(" as ", StringComparison.OrdinalIgnoreCase);
        if (alias > 0)
        {
            v = v[..alias].Trim();
        }

        var at = v.IndexOf('@', StringComparison.Ordinal);
        if (at > 0)
        {
            v = v[..at];
        }

        if (v.StartsWith("dev-", StringComparison.OrdinalIgnoreCase) || v.Length == 0)
        {
            return null;
        }

        var plus = v.IndexOf('+', StringComparison.Ordinal);
        if (plus > 0)
        {
            v = v[..plus];
        }

        var m = Classic().Match(v);
        string? core = null;
        if (m.Success)
        {
            core = m.Groups["n1"].Value
                + (m.Groups["n2"].Success ? m.Groups["n2"].Value : ".0")
                + (m.Groups["n3"].Success ? m.Groups["n3"].Value : ".0")
                + (m.Groups["n4"].Success ? m.Groups["n4"].Value : ".0");
        }
        else if ((m = Date().Match(v)).Success)
        {
            core = Regex.Replace(m.Groups["date"].Value, @"\D", ".");
        }

        if (core is not null)
        {
            var sb = new StringBuilder(core);
            if (m.Groups["stab"].Success && !m.Groups["stab"].Value.Equals("stable", StringComparison.OrdinalIgnoreCase))
            {
                sb.Append('-').Append(ExpandStability(m.Groups["stab"].Value));
                if (m.Groups["stabn"].Success)
                {
                    sb.Append(m.Groups["stabn"].Value.TrimStart('.', '-'));
                }
            }

            if (m.Groups["dev"].Success)
            {
                sb.Append("-dev");
            }

            return sb.ToString();
        }

        var b = Branch().Match(v);
        if (b.Success)
        {
            var parts = new[] { "p1", "p2", "p3", "p4" }
                .Select(g => b.Groups[g].Success ? b.Groups[g].Value.TrimStart('.') : "x")
                .Select(p => p is "x" or "X" or "*" ? "9999999" : p);
            return string.Join('.', parts) + "-dev";
        }

        return null;
    }

    private static string ExpandStability(string s) => s.ToLowerInvariant() switch
    {
        "a" or "alpha" => "alpha",
        "b" or "beta" => "beta",
        "p" or "pl" or "patch" => "patch",
        "rc" => "RC",
        var other => other,
    };

    protected internal override Key? Parse(string version)
    {
        var normalized = Normalize(version);
        return normalized is null ? null : new Key(normalized, Canonicalize(normalized).Split('.'));
    }

    /// <summary>PHP's canonical form: '-', '_', '+' become '.', and a '.' goes between digits and non-digits.</summary>
    private static string Canonicalize(string v)
    {
        var sb = new StringBuilder(v.Length + 8);
        sb.Append(v[0]);
        for (var i = 1; i < v.Length; i++)
        {
            char p = v[i], lp = v[i - 1];
            var last = sb[^1];
            if (p is '-' or '_' or '+' || !char.IsAsciiLetterOrDigit(p))
            {
                if (last != '.')
                {
                    sb.Append('.');
                }
            }
            else if ((IsNonDigit(lp) && char.IsAsciiDigit(p)) || (char.IsAsciiDigit(lp) && IsNonDigit(p)))
            {
                if (last != '.')
                {
                    sb.Append('.');
                }

                sb.Append(p);
            }
            else
            {
                sb.Append(p);
            }
        }

        return sb.ToString();
    }

    private static bool IsNonDigit(char c) => !char.IsAsciiDigit(c) && c != '.';

    protected override int CompareKeys(Key left, Key right)
    {
        var a = left.Parts;
        var b = right.Parts;
        var n = Math.Min(a.Count, b.Count);
        for (var i = 0; i < n; i++)
        {
            var c = ComparePart(a[i], b[i]);
            if (c != 0)
            {
                return c;
            }
        }

        if (a.Count > n)
        {
            return IsNumber(a[n]) ? 1 : Math.Sign(SpecialOrder(a[n]) - SpecialOrder("#"));
        }

        if (b.Count > n)
        {
            return IsNumber(b[n]) ? -1 : Math.Sign(SpecialOrder("#") - SpecialOrder(b[n]));
        }

        return 0;
    }

    private static bool IsNumber(string part) => part.Length > 0 && char.IsAsciiDigit(part[0]);

    private static int ComparePart(string x, string y) => (IsNumber(x), IsNumber(y)) switch
    {
        (true, true) => Digits.Compare(LeadingDigits(x), LeadingDigits(y)),
        (false, false) => Math.Sign(SpecialOrder(x) - SpecialOrder(y)),
        (true, false) => Math.Sign(SpecialOrder("#") - SpecialOrder(y)),
        (false, true) => Math.Sign(SpecialOrder(x) - SpecialOrder("#")),
    };

    private static ReadOnlySpan<char> LeadingDigits(string s)
    {
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        return s.AsSpan(0, i);
    }

    /// <summary>PHP's special forms, matched by prefix in this order: dev &lt; alpha=a &lt; beta=b &lt; RC=rc &lt; number &lt; pl=p.</summary>
    private static int SpecialOrder(string form)
    {
        ReadOnlySpan<(string Name, int Order)> forms =
            [("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4), ("pl", 5), ("p", 5)];
        foreach (var (name, order) in forms)
        {
            if (form.StartsWith(name, StringComparison.Ordinal))
            {
                return order;
            }
        }

        return -1;
    }
}
