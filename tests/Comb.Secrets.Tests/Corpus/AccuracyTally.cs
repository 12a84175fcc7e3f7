using System.Globalization;
using System.Text;

namespace Comb.Secrets.Tests.Corpus;

/// <summary>Counts hits and misses per rule and renders the recall / false-positive table.</summary>
internal sealed class AccuracyTally
{
    private readonly SortedDictionary<string, int[]> _byRule = new(StringComparer.Ordinal); // tp, tpHit, fp, fpHit
    private readonly List<string> _misses = [];

    public int Positives => _byRule.Values.Sum(v => v[0]);
    public int Detected => _byRule.Values.Sum(v => v[1]);
    public int Negatives => _byRule.Values.Sum(v => v[2]);
    public int FalseAlarms => _byRule.Values.Sum(v => v[3]);

    public double Recall => Positives == 0 ? 1 : (double)Detected / Positives;
    public double FalsePositiveRate => Negatives == 0 ? 0 : (double)FalseAlarms / Negatives;

    public IReadOnlyList<string> Misses => _misses;

    public void Positive(string rule, bool detected, string sample)
    {
        var row = Row(rule);
        row[0]++;
        if (detected)
        {
            row[1]++;
        }
        else
        {
            _misses.Add($"MISS {rule}: {Clip(sample)}");
        }
    }

    public void Negative(string rule, bool reported, string sample, string? by = null)
    {
        var row = Row(rule);
        row[2]++;
        if (reported)
        {
            row[3]++;
            _misses.Add($"FP   {rule}{(by is null ? "" : $" (by {by})")}: {Clip(sample)}");
        }
    }

    public string Render(string title)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"== {title}: recall {Recall:P2} ({Detected}/{Positives}), false positives {FalsePositiveRate:P2} ({FalseAlarms}/{Negatives})");
        foreach (var (rule, v) in _byRule)
        {
            if (v[1] < v[0] || v[3] > 0)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"   {rule,-50} tp {v[1]}/{v[0]}  fp {v[3]}/{v[2]}");
            }
        }

        foreach (var miss in _misses)
        {
            sb.AppendLine("   " + miss);
        }

        return sb.ToString();
    }

    private int[] Row(string rule)
    {
        if (!_byRule.TryGetValue(rule, out var row))
        {
            row = new int[4];
            _byRule[rule] = row;
        }

        return row;
    }

    private static string Clip(string s)
    {
        var flat = s.Replace("\n", "\\n", StringComparison.Ordinal);
        return flat.Length > 160 ? flat[..160] + "…" : flat;
    }
}
