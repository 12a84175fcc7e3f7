namespace Comb.VulnDb.Cvss;

/// <summary>CVSS v3.0 / v3.1 base score.</summary>
internal static class Cvss3
{
    private static readonly string[] Base = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];

    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["AV"] = ["N", "A", "L", "P"], ["AC"] = ["L", "H"], ["PR"] = ["N", "L", "H"], ["UI"] = ["N", "R"],
        ["S"] = ["U", "C"], ["C"] = ["H", "L", "N"], ["I"] = ["H", "L", "N"], ["A"] = ["H", "L", "N"],
        ["E"] = ["X", "U", "P", "F", "H"], ["RL"] = ["X", "O", "T", "W", "U"], ["RC"] = ["X", "U", "R", "C"],
        ["CR"] = ["X", "L", "M", "H"], ["IR"] = ["X", "L", "M", "H"], ["AR"] = ["X", "L", "M", "H"],
        ["MAV"] = ["X", "N", "A", "L", "P"], ["MAC"] = ["X", "L", "H"], ["MPR"] = ["X", "N", "L", "H"],
        ["MUI"] = ["X", "N", "R"], ["MS"] = ["X", "U", "C"], ["MC"] = ["X", "H", "L", "N"],
        ["MI"] = ["X", "H", "L", "N"], ["MA"] = ["X", "H", "L", "N"],
    };

    public static CvssResult Score(string vector, string version, string body)
    {
        if (!CvssVector.TrySplit(body, out var list, out var error) || !CvssVector.Validate(list, Allowed, out error))
        {
            return CvssResult.Invalid(vector, version, error!);
        }

        var m = list.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var missing = Base.FirstOrDefault(k => !m.ContainsKey(k));
        if (missing is not null)
        {
            return CvssResult.Invalid(vector, version, $"missing base metric {missing}");
        }

        var changed = m["S"] == "C";
        var av = m["AV"] switch { "N" => 0.85, "A" => 0.62, "L" => 0.55, _ => 0.2 };
        var ac = m["AC"] == "L" ? 0.77 : 0.44;
        var pr = m["PR"] switch { "N" => 0.85, "L" => changed ? 0.68 : 0.62, _ => changed ? 0.5 : 0.27 };
        var ui = m["UI"] == "N" ? 0.85 : 0.62;
        double Cia(string k) => m[k] switch { "H" => 0.56, "L" => 0.22, _ => 0.0 };

        var iss = 1 - ((1 - Cia("C")) * (1 - Cia("I")) * (1 - Cia("A")));
        var impact = changed ? (7.52 * (iss - 0.029)) - (3.25 * Math.Pow(iss - 0.02, 15)) : 6.42 * iss;
        var exploitability = 8.22 * av * ac * pr * ui;
        double score;
        if (impact <= 0)
        {
            score = 0;
        }
        else
        {
            var raw = changed ? Math.Min(1.08 * (impact + exploitability), 10) : Math.Min(impact + exploitability, 10);
            score = version == "3.0" ? Math.Ceiling(raw * 10) / 10 : RoundUp(raw);
        }

        return new CvssResult { Vector = vector, Version = version, BaseScore = score, Rating = CvssScorer.Rate(score) };
    }

    /// <summary>CVSS v3.1 Roundup: the smallest one-decimal number &gt;= x, computed on integers to avoid float error.</summary>
    internal static double RoundUp(double x)
    {
        var i = (long)Math.Round(x * 100000, MidpointRounding.AwayFromZero);
        return i % 10000 == 0 ? i / 100000.0 : (Math.Floor(i / 10000.0) + 1) / 10.0;
    }
}
