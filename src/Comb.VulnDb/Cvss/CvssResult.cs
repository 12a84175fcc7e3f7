using Comb.Contracts;

namespace Comb.VulnDb.Cvss;

/// <summary>Qualitative rating of a CVSS score (v3.x/v4.0 bands; v2 uses NVD's Low/Medium/High).</summary>
public enum CvssRating
{
    None,
    Low,
    Medium,
    High,
    Critical,
}

/// <summary>The outcome of scoring one vector: a base score, or the reason the vector was rejected.</summary>
public sealed record CvssResult
{
    /// <summary>The vector as given.</summary>
    public required string Vector { get; init; }

    /// <summary>"2.0", "3.0", "3.1" or "4.0" when the prefix (or v2 shape) was recognised.</summary>
    public string? Version { get; init; }

    /// <summary>Base score with one decimal; null when the vector is invalid.</summary>
    public double? BaseScore { get; init; }

    public CvssRating? Rating { get; init; }

    /// <summary>Why the vector was rejected; null when it was scored.</summary>
    public string? Error { get; init; }

    /// <summary>v4.0 nomenclature: CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE.</summary>
    public string? Nomenclature { get; init; }

    public bool IsValid => Error is null;

    /// <summary>The rating as a Comb severity (None maps to Unknown, as it carries no risk signal).</summary>
    public Severity Severity => Rating switch
    {
        CvssRating.Low => Severity.Low,
        CvssRating.Medium => Severity.Medium,
        CvssRating.High => Severity.High,
        CvssRating.Critical => Severity.Critical,
        _ => Severity.Unknown,
    };

    internal static CvssResult Invalid(string vector, string? version, string error) =>
        new() { Vector = vector, Version = version, Error = error };
}
