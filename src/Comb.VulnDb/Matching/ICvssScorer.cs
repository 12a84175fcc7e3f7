namespace Comb.VulnDb.Matching;

/// <summary>Computes a CVSS base score from a vector (2.0, 3.x, 4.0); null when the vector cannot be read.</summary>
internal interface ICvssScorer
{
    double? BaseScore(string vector);
}

internal static class CvssRatings
{
    /// <summary>Qualitative rating of a base score (CVSS v3/v4 table; v2 scores are rated the same way).</summary>
    public static Contracts.Severity FromScore(double score) => score switch
    {
        >= 9.0 => Contracts.Severity.Critical,
        >= 7.0 => Contracts.Severity.High,
        >= 4.0 => Contracts.Severity.Medium,
        > 0.0 => Contracts.Severity.Low,
        _ => Contracts.Severity.Unknown,
    };
}
