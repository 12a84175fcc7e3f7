namespace Comb.VulnDb.Cvss;

/// <summary>CVSS v2 base score (FIRST v2 guide equations).</summary>
internal static class Cvss2
{
    private static readonly string[] Base = ["AV", "AC", "Au", "C", "I", "A"];

    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["AV"] = ["L", "A", "N"], ["AC"] = ["H", "M", "L"], ["Au"] = ["M", "S", "N"],
        ["C"] = ["N", "P", "C"], ["I"] = ["N", "P", "C"], ["A"] = ["N", "P", "C"],
        ["E"] = ["U", "POC", "F", "H", "ND"], ["RL"] = ["OF", "TF", "W", "U", "ND"], ["RC"] = ["UC", "UR", "C", "ND"],
        ["CDP"] = ["N", "L", "LM", "MH", "H", "ND"], ["TD"] = ["N", "L", "M", "H", "ND"],
        ["CR"] = ["L", "M", "H", "ND"], ["IR"] = ["L", "M", "H", "ND"], ["AR"] = ["L", "M", "H", "ND"],
    };

    public static CvssResult Score(string vector, string body)
    {
        if (!CvssVector.TrySplit(body, out var list, out var error) || !CvssVector.Validate(list, Allowed, out error))
        {
            return CvssResult.Invalid(vector, null, error!);
        }

        var m = list.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var missing = Base.FirstOrDefault(k => !m.ContainsKey(k));
        if (missing is not null)
        {
            return CvssResult.Invalid(vector, "2.0", $"missing base metric {missing}");
        }

        var av = m["AV"] switch { "L" => 0.395, "A" => 0.646, _ => 1.0 };
        var ac = m["AC"] switch { "H" => 0.35, "M" => 0.61, _ => 0.71 };
        var au = m["Au"] switch { "M" => 0.45, "S" => 0.56, _ => 0.704 };
        double Cia(string k) => m[k] switch { "P" => 0.275, "C" => 0.660, _ => 0.0 };

        var impact = 10.41 * (1 - ((1 - Cia("C")) * (1 - Cia("I")) * (1 - Cia("A"))));
        var exploitability = 20 * av * ac * au;
        var f = impact == 0 ? 0 : 1.176;
        var raw = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
        // Round half up on a value nudged away from binary noise (e.g. 4.2999999 -> 4.3).
        var score = Math.Max(0, Math.Round(Math.Round(raw, 6, MidpointRounding.AwayFromZero), 1, MidpointRounding.AwayFromZero));
        return new CvssResult { Vector = vector, Version = "2.0", BaseScore = score, Rating = CvssScorer.RateV2(score) };
    }
}
