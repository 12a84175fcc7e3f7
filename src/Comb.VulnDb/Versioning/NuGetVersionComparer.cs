namespace Comb.VulnDb.Versioning;

/// <summary>NuGet.Versioning ordering: up to four numeric parts, case-insensitive pre-release labels, metadata ignored.</summary>
public sealed class NuGetVersionComparer : VersionComparerBase<NuGetVersionComparer.Key>
{
    public static readonly NuGetVersionComparer Instance = new();

    public override string Scheme => VersionSchemes.NuGet;

    public sealed record Key(IReadOnlyList<string> Numbers, IReadOnlyList<string> Labels);

    protected internal override Key? Parse(string version)
    {
        var s = version.Trim();
        var plus = s.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            var metadata = s[(plus + 1)..];
            if (!ValidLabels(metadata))
            {
                return null;
            }

            s = s[..plus];
        }

        IReadOnlyList<string> labels = [];
        var dash = s.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            var pre = s[(dash + 1)..];
            if (!ValidLabels(pre))
            {
                return null;
            }

            labels = pre.Split('.');
            s = s[..dash];
        }

        var numbers = s.Split('.');
        if (numbers.Length is < 1 or > 4 || !numbers.All(n => Digits.AllDigits(n)))
        {
            return null;
        }

        return new Key(numbers, labels);
    }

    private static bool ValidLabels(string text) =>
        text.Length > 0 && text.Split('.').All(l => l.Length > 0 && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));

    protected override int CompareKeys(Key a, Key b)
    {
        for (var i = 0; i < 4; i++)
        {
            var c = Digits.Compare(i < a.Numbers.Count ? a.Numbers[i] : "0", i < b.Numbers.Count ? b.Numbers[i] : "0");
            if (c != 0)
            {
                return c;
            }
        }

        if (a.Labels.Count == 0 || b.Labels.Count == 0)
        {
            return b.Labels.Count.CompareTo(a.Labels.Count) switch { < 0 => -1, > 0 => 1, _ => 0 };
        }

        for (var i = 0; i < Math.Min(a.Labels.Count, b.Labels.Count); i++)
        {
            bool an = Digits.AllDigits(a.Labels[i]), bn = Digits.AllDigits(b.Labels[i]);
            var c = (an, bn) switch
            {
                (true, true) => Digits.Compare(a.Labels[i], b.Labels[i]),
                (true, false) => -1,
                (false, true) => 1,
                _ => Math.Sign(string.Compare(a.Labels[i], b.Labels[i], StringComparison.OrdinalIgnoreCase)),
            };
            if (c != 0)
            {
                return c;
            }
        }

        return a.Labels.Count.CompareTo(b.Labels.Count);
    }
}
