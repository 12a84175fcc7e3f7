namespace Comb.VulnDb.Cvss;

/// <summary>
/// Scores CVSS vectors: v2 (bare or "CVSS:2.0/"), v3.0, v3.1 and v4.0 base scores exactly per the FIRST
/// specifications. Invalid vectors give a result with a null score and the reason.
/// </summary>
public static class CvssScorer
{
    public static CvssResult Score(string? vector)
    {
        if (string.IsNullOrWhiteSpace(vector))
        {
            return CvssResult.Invalid(vector ?? string.Empty, null, "empty vector");
        }

        var text = vector.Trim();
        if (text.StartsWith("CVSS:4.0/", StringComparison.Ordinal))
        {
            return Cvss4.Score(vector, text["CVSS:4.0/".Length..]);
        }

        if (text.StartsWith("CVSS:3.1/", StringComparison.Ordinal))
        {
            return Cvss3.Score(vector, "3.1", text["CVSS:3.1/".Length..]);
        }

        if (text.StartsWith("CVSS:3.0/", StringComparison.Ordinal))
        {
            return Cvss3.Score(vector, "3.0", text["CVSS:3.0/".Length..]);
        }

        if (text.StartsWith("CVSS:", StringComparison.Ordinal) && !text.StartsWith("CVSS:2.0/", StringComparison.Ordinal))
        {
            return CvssResult.Invalid(vector, null, "unsupported CVSS version prefix");
        }

        if (text.StartsWith("CVSS:2.0/", StringComparison.Ordinal))
        {
            text = text["CVSS:2.0/".Length..];
        }
        else if (text.StartsWith('(') && text.EndsWith(')'))
        {
            text = text[1..^1];
        }

        return Cvss2.Score(vector, text);
    }

    /// <summary>v3.x / v4.0 qualitative bands (0.0 None, 0.1-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0+ Critical).</summary>
    public static CvssRating Rate(double score)
    {
        var tenths = (int)Math.Round(score * 10, MidpointRounding.AwayFromZero);
        return tenths switch
        {
            0 => CvssRating.None,
            < 40 => CvssRating.Low,
            < 70 => CvssRating.Medium,
            < 90 => CvssRating.High,
            _ => CvssRating.Critical,
        };
    }

    /// <summary>NVD's v2 bands: 0.0-3.9 Low, 4.0-6.9 Medium, 7.0-10.0 High.</summary>
    public static CvssRating RateV2(double score)
    {
        var tenths = (int)Math.Round(score * 10, MidpointRounding.AwayFromZero);
        return tenths switch
        {
            < 40 => CvssRating.Low,
            < 70 => CvssRating.Medium,
            _ => CvssRating.High,
        };
    }
}
