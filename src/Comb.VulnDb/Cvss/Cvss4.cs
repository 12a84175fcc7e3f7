namespace Comb.VulnDb.Cvss;

/// <summary>
/// CVSS v4.0 score: the vector's MacroVector (EQ1..EQ6) gives an expert score, then the score is lowered by the
/// mean proportional severity distance to the MacroVector's highest-severity vectors (FIRST spec, "CVSS v4.0 Scoring").
/// </summary>
internal static class Cvss4
{
    // Every metric in the order the specification requires, with its allowed values.
    private static readonly (string Key, string[] Values)[] Metrics =
    [
        ("AV", ["N", "A", "L", "P"]), ("AC", ["L", "H"]), ("AT", ["N", "P"]), ("PR", ["N", "L", "H"]), ("UI", ["N", "P", "A"]),
        ("VC", ["H", "L", "N"]), ("VI", ["H", "L", "N"]), ("VA", ["H", "L", "N"]),
        ("SC", ["H", "L", "N"]), ("SI", ["H", "L", "N"]), ("SA", ["H", "L", "N"]),
        ("E", ["X", "A", "P", "U"]),
        ("CR", ["X", "H", "M", "L"]), ("IR", ["X", "H", "M", "L"]), ("AR", ["X", "H", "M", "L"]),
        ("MAV", ["X", "N", "A", "L", "P"]), ("MAC", ["X", "L", "H"]), ("MAT", ["X", "N", "P"]), ("MPR", ["X", "N", "L", "H"]),
        ("MUI", ["X", "N", "P", "A"]), ("MVC", ["X", "H", "L", "N"]), ("MVI", ["X", "H", "L", "N"]), ("MVA", ["X", "H", "L", "N"]),
        ("MSC", ["X", "H", "L", "N"]), ("MSI", ["X", "S", "H", "L", "N"]), ("MSA", ["X", "S", "H", "L", "N"]),
        ("S", ["X", "N", "P"]), ("AU", ["X", "N", "Y"]), ("R", ["X", "A", "U", "I"]), ("V", ["X", "D", "C"]),
        ("RE", ["X", "L", "M", "H"]), ("U", ["X", "Clear", "Green", "Amber", "Red"]),
    ];

    private const int BaseCount = 11;
    private const string ThreatMetrics = "E";
    private static readonly string[] EnvironmentalMetrics =
        ["CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA"];

    public static CvssResult Score(string vector, string body)
    {
        if (!CvssVector.TrySplit(body, out var list, out var error))
        {
            return CvssResult.Invalid(vector, "4.0", error!);
        }

        // Metrics must come in specification order: the 11 base metrics first, then optional ones.
        var selected = new Dictionary<string, string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var (key, value) in list)
        {
            while (index < Metrics.Length && Metrics[index].Key != key)
            {
                if (index < BaseCount)
                {
                    return CvssResult.Invalid(vector, "4.0", $"missing or misplaced base metric {Metrics[index].Key}");
                }

                index++;
            }

            if (index == Metrics.Length)
            {
                return CvssResult.Invalid(vector, "4.0", $"unknown or out-of-order metric {key}");
            }

            if (!Metrics[index].Values.Contains(value, StringComparer.Ordinal))
            {
                return CvssResult.Invalid(vector, "4.0", $"invalid value {key}:{value}");
            }

            selected[key] = value;
            index++;
        }

        if (index < BaseCount)
        {
            return CvssResult.Invalid(vector, "4.0", $"missing base metric {Metrics[index].Key}");
        }

        var score = (double)Round1(Compute(selected));
        var nomenclature = "CVSS-B"
            + (selected.TryGetValue(ThreatMetrics, out var e) && e != "X" ? "T" : string.Empty)
            + (EnvironmentalMetrics.Any(k => selected.TryGetValue(k, out var v) && v != "X") ? "E" : string.Empty);
        return new CvssResult
        {
            Vector = vector, Version = "4.0", BaseScore = score, Rating = CvssScorer.Rate(score), Nomenclature = nomenclature,
        };
    }

    /// <summary>Effective value: a modified metric overrides the base one; E, CR, IR, AR default to their worst case.</summary>
    private static string Effective(IReadOnlyDictionary<string, string> m, string metric)
    {
        var value = m.GetValueOrDefault(metric, "X");
        if (value == "X")
        {
            switch (metric)
            {
                case "E":
                    return "A";
                case "CR" or "IR" or "AR":
                    return "H";
            }
        }

        return m.TryGetValue("M" + metric, out var modified) && modified != "X" ? modified : value;
    }

    /// <summary>Rounds half up to one decimal. The arithmetic is exact (decimal), so x.x5 rounds up as the spec says.</summary>
    /// A 1e-20 nudge absorbs the last-digit error of decimal division (thirds, sevenths), far below any real step.
    internal static decimal Round1(decimal score) => Math.Round(score + 1e-20m, 1, MidpointRounding.AwayFromZero);

    /// <summary>The unrounded score of a valid vector (for checks of rounding boundaries).</summary>
    internal static decimal? Unrounded(string vector)
    {
        var result = Score(vector, vector["CVSS:4.0/".Length..]);
        return result.IsValid ? Compute(Parse(vector["CVSS:4.0/".Length..])) : null;
    }

    private static Dictionary<string, string> Parse(string body) =>
        body.Split('/').Select(p => p.Split(':')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private static decimal Compute(IReadOnlyDictionary<string, string> m)
    {
        string V(string k) => Effective(m, k);
        if (new[] { "VC", "VI", "VA", "SC", "SI", "SA" }.All(k => V(k) == "N"))
        {
            return 0m;
        }

        var eq1 = V("AV") == "N" && V("PR") == "N" && V("UI") == "N" ? 0
            : (V("AV") == "N" || V("PR") == "N" || V("UI") == "N") && V("AV") != "P" ? 1 : 2;
        var eq2 = V("AC") == "L" && V("AT") == "N" ? 0 : 1;
        var eq3 = V("VC") == "H" && V("VI") == "H" ? 0 : V("VC") == "H" || V("VI") == "H" || V("VA") == "H" ? 1 : 2;
        var eq4 = V("MSI") == "S" || V("MSA") == "S" ? 0 : V("SC") == "H" || V("SI") == "H" || V("SA") == "H" ? 1 : 2;
        var eq5 = V("E") switch { "A" => 0, "P" => 1, _ => 2 };
        var eq6 = (V("CR") == "H" && V("VC") == "H") || (V("IR") == "H" && V("VI") == "H") || (V("AR") == "H" && V("VA") == "H") ? 0 : 1;

        var lookup = Cvss40Tables.Lookup;
        string Macro(int a, int b, int c, int d, int e, int f) => $"{a}{b}{c}{d}{e}{f}";
        var value = lookup[Macro(eq1, eq2, eq3, eq4, eq5, eq6)];

        decimal? Lower(string macro) => lookup.TryGetValue(macro, out var s) ? s : null;
        var lowerEq1 = Lower(Macro(eq1 + 1, eq2, eq3, eq4, eq5, eq6));
        var lowerEq2 = Lower(Macro(eq1, eq2 + 1, eq3, eq4, eq5, eq6));
        decimal? lowerEq3Eq6 = (eq3, eq6) switch
        {
            (1, 1) or (0, 1) => Lower(Macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6)),
            (1, 0) => Lower(Macro(eq1, eq2, eq3, eq4, eq5, eq6 + 1)),
            (0, 0) => MaxOf(Lower(Macro(eq1, eq2, eq3, eq4, eq5, eq6 + 1)), Lower(Macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6))),
            _ => Lower(Macro(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1)),
        };
        var lowerEq4 = Lower(Macro(eq1, eq2, eq3, eq4 + 1, eq5, eq6));
        var lowerEq5 = Lower(Macro(eq1, eq2, eq3, eq4, eq5 + 1, eq6));

        var distances = FindDistances(m, eq1, eq2, eq3, eq4, eq5, eq6);
        var distEq1 = distances["AV"] + distances["PR"] + distances["UI"];
        var distEq2 = distances["AC"] + distances["AT"];
        var distEq3Eq6 = distances["VC"] + distances["VI"] + distances["VA"] + distances["CR"] + distances["IR"] + distances["AR"];
        var distEq4 = distances["SC"] + distances["SI"] + distances["SA"];

        const decimal step = 0.1m;
        var sum = 0m;
        var existing = 0;
        void Add(decimal? lower, decimal distance, int maxSeverity)
        {
            if (lower is null)
            {
                return;
            }

            existing++;
            sum += (value - lower.Value) * (distance / (maxSeverity * step));
        }

        Add(lowerEq1, distEq1, Cvss40Tables.MaxSeverity[$"eq1:{eq1}"]);
        Add(lowerEq2, distEq2, Cvss40Tables.MaxSeverity[$"eq2:{eq2}"]);
        Add(lowerEq3Eq6, distEq3Eq6, Cvss40Tables.MaxSeverity[$"eq3:{eq3}{eq6}"]);
        Add(lowerEq4, distEq4, Cvss40Tables.MaxSeverity[$"eq4:{eq4}"]);
        if (lowerEq5 is not null)
        {
            // EQ5 has no depth inside a MacroVector: it counts towards the mean with a distance of 0.
            existing++;
        }

        var mean = existing == 0 ? 0m : sum / existing;
        return Math.Max(0m, Math.Min(10m, value - mean));
    }

    private static decimal? MaxOf(decimal? a, decimal? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    // Highest-severity vectors of each MacroVector, as level arrays in DistanceMetrics order, built once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, decimal[][]> Candidates = new(StringComparer.Ordinal);

    private static decimal[][] CandidatesFor(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6) =>
        Candidates.GetOrAdd($"{eq1}{eq2}{eq3}{eq4}{eq5}{eq6}", _ =>
        {
            var composed = Cvss40Tables.MaxComposed;
            var list = new List<decimal[]>();
            foreach (var a in composed[$"eq1:{eq1}"])
            {
                foreach (var b in composed[$"eq2:{eq2}"])
                {
                    foreach (var c in composed[$"eq3:{eq3}{eq6}"])
                    {
                        foreach (var d in composed[$"eq4:{eq4}"])
                        {
                            foreach (var e in composed[$"eq5:{eq5}"])
                            {
                                var max = (a + b + c + d + e).Split('/', StringSplitOptions.RemoveEmptyEntries)
                                    .Select(p => p.Split(':'))
                                    .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
                                list.Add([.. Cvss40Tables.DistanceMetrics.Select(k => Cvss40Tables.MetricLevels[k][max[k]])]);
                            }
                        }
                    }
                }
            }

            return [.. list];
        });

    /// <summary>Distances to the first highest-severity vector of the MacroVector that is at least as severe in every metric.</summary>
    private static Dictionary<string, decimal> FindDistances(IReadOnlyDictionary<string, string> m, int eq1, int eq2, int eq3, int eq4, int eq5, int eq6)
    {
        var metrics = Cvss40Tables.DistanceMetrics;
        var levels = metrics.Select(k => Cvss40Tables.MetricLevels[k][Effective(m, k)]).ToArray();
        var candidates = CandidatesFor(eq1, eq2, eq3, eq4, eq5, eq6);
        decimal[] chosen = candidates[^1];
        foreach (var candidate in candidates)
        {
            var dominates = true;
            for (var i = 0; i < levels.Length && dominates; i++)
            {
                dominates = levels[i] - candidate[i] >= 0;
            }

            if (dominates)
            {
                chosen = candidate;
                break;
            }
        }

        // When none dominates, the reference keeps the last candidate's distances; so do we.
        return metrics.Select((k, i) => (k, d: levels[i] - chosen[i])).ToDictionary(x => x.k, x => x.d, StringComparer.Ordinal);
    }
}
