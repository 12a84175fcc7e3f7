namespace Comb.Server.Admission;

public enum DecisionOutcome
{
    /// <summary>The policy lets the image run (perhaps with warnings).</summary>
    Allowed,

    /// <summary>A block rule fired.</summary>
    Denied,

    /// <summary>Comb could not decide (no scan in time, registry trouble, overload): the failure policy answers.</summary>
    Undecided,
}

/// <summary>The decision on one image: why it is denied (one line per block rule), its warnings, the scan judged.</summary>
public sealed record ImageDecision(DecisionOutcome Outcome, IReadOnlyList<string> Denials, IReadOnlyList<string> Warnings, string? ScanId = null, string? Digest = null)
{
    public bool FromCache { get; init; }

    public static ImageDecision Undecided(string why, string? digest = null) => new(DecisionOutcome.Undecided, [why], [], null, digest);
}
