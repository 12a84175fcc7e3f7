namespace Comb.VulnDb.Versioning;

/// <summary>A parsed SemVer 2.0.0 version; build metadata is kept for display but never ordered.</summary>
public sealed record SemVersion(string Major, string Minor, string Patch, IReadOnlyList<string> Prerelease, string? Build)
{
    /// <summary>How strictly to read: strict SemVer, or the loose forms npm/Go accept (v prefix, missing parts, leading zeros).</summary>
    public static SemVersion? Parse(string text, bool loose)
    {
        var s = text.AsSpan().Trim();
        if (loose)
        {
            if (s.StartsWith("=", StringComparison.Ordinal))
            {
                s = s[1..].TrimStart();
            }

            if (s.Length > 0 && (s[0] == 'v' || s[0] == 'V'))
            {
                s = s[1..];
            }
        }

        string? build = null;
        var plus = s.IndexOf('+');
        if (plus >= 0)
        {
            build = s[(plus + 1)..].ToString();
            s = s[..plus];
            if (!ValidIdentifiers(build, allowLeadingZeros: true))
            {
                return null;
            }
        }

        IReadOnlyList<string> pre = [];
        var dash = s.IndexOf('-');
        if (dash >= 0)
        {
            var preText = s[(dash + 1)..].ToString();
            s = s[..dash];
            if (!ValidIdentifiers(preText, allowLeadingZeros: loose))
            {
                return null;
            }

            pre = preText.Split('.');
        }

        var parts = s.ToString().Split('.');
        if (parts.Length > 3 || (!loose && parts.Length != 3))
        {
            return null;
        }

        foreach (var p in parts)
        {
            if (!Digits.AllDigits(p) || (!loose && p.Length > 1 && p[0] == '0'))
            {
                return null;
            }
        }

        return new SemVersion(parts[0], parts.Length > 1 ? parts[1] : "0", parts.Length > 2 ? parts[2] : "0", pre, build);
    }

    private static bool ValidIdentifiers(string text, bool allowLeadingZeros)
    {
        if (text.Length == 0)
        {
            return false;
        }

        foreach (var id in text.Split('.'))
        {
            if (id.Length == 0 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }

            if (!allowLeadingZeros && id.Length > 1 && id[0] == '0' && Digits.AllDigits(id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>SemVer 2.0.0 section 11 precedence.</summary>
    public static int ComparePrecedence(SemVersion a, SemVersion b)
    {
        var c = Digits.Compare(a.Major, b.Major);
        if (c == 0)
        {
            c = Digits.Compare(a.Minor, b.Minor);
        }

        if (c == 0)
        {
            c = Digits.Compare(a.Patch, b.Patch);
        }

        return c != 0 ? c : ComparePrerelease(a.Prerelease, b.Prerelease);
    }

    private static int ComparePrerelease(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            // A release is newer than any of its pre-releases.
            return b.Count.CompareTo(a.Count) switch { < 0 => -1, > 0 => 1, _ => 0 };
        }

        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            bool an = Digits.AllDigits(a[i]), bn = Digits.AllDigits(b[i]);
            var c = (an, bn) switch
            {
                (true, true) => Digits.Compare(a[i], b[i]),
                (true, false) => -1,
                (false, true) => 1,
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

/// <summary>SemVer 2.0.0 (npm, Hex, Pub, OSV SEMVER ranges). Accepts npm's loose forms (v1.2, =1.2.3, leading zeros).</summary>
public sealed class SemVerComparer : VersionComparerBase<SemVersion>
{
    public static readonly SemVerComparer Instance = new();

    public override string Scheme => VersionSchemes.SemVer;

    protected internal override SemVersion? Parse(string version) => SemVersion.Parse(version, loose: true);

    protected override int CompareKeys(SemVersion left, SemVersion right) => SemVersion.ComparePrecedence(left, right);
}

/// <summary>
/// Cargo (crates.io): strict SemVer is valid; loose text that still reads as SemVer is ordered the same way
/// (IsValid stays false for it).
/// </summary>
public sealed class CargoVersionComparer : VersionComparerBase<SemVersion>
{
    public static readonly CargoVersionComparer Instance = new();

    public override string Scheme => VersionSchemes.Cargo;

    public override bool IsValid(string version) => version is not null && SemVersion.Parse(version, loose: false) is not null;

    protected internal override SemVersion? Parse(string version) => SemVersion.Parse(version, loose: true);

    protected override int CompareKeys(SemVersion left, SemVersion right) => SemVersion.ComparePrecedence(left, right);
}

/// <summary>
/// Go modules: SemVer with a 'v' prefix (OSV ranges omit it, so it is optional), "go1.21.0" toolchain versions,
/// shorthand v1 / v1.2, pseudo-versions as pre-releases and "+incompatible" as ignored build metadata.
/// </summary>
public sealed class GoVersionComparer : VersionComparerBase<SemVersion>
{
    public static readonly GoVersionComparer Instance = new();

    public override string Scheme => VersionSchemes.Go;

    protected internal override SemVersion? Parse(string version)
    {
        var s = version.Trim();
        if (s.StartsWith("go", StringComparison.Ordinal))
        {
            s = s[2..];
            // Toolchain pre-releases: go1.21rc2 -> 1.21-rc2, go1.21beta1 -> 1.21-beta1.
            var cut = s.IndexOfAny(['r', 'b', 'a']);
            if (cut > 0 && !s.Contains('-', StringComparison.Ordinal))
            {
                s = s[..cut] + "-" + s[cut..];
            }
        }
        else if (s.StartsWith('v'))
        {
            s = s[1..];
        }

        if (s.Length == 0 || !char.IsAsciiDigit(s[0]))
        {
            return null;
        }

        // Shorthand v1 / v1.2 and toolchain forms (1.21-rc2) read like npm's loose forms.
        var parsed = SemVersion.Parse(s, loose: true);
        return parsed;
    }

    protected override int CompareKeys(SemVersion left, SemVersion right) => SemVersion.ComparePrecedence(left, right);
}
