namespace Comb.Server.Vex;

/// <summary>The OpenVEX words the console's triage uses.</summary>
public static class VexTerms
{
    public const string NotAffected = "not_affected";

    /// <summary>The OpenVEX 0.2.0 justifications a not_affected statement may carry.</summary>
    public static readonly IReadOnlyList<string> Justifications =
    [
        "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
        "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist",
    ];
}

/// <summary>
/// What a triage judged: a vulnerability (with its aliases) is not affecting a product. The product is one image (by
/// manifest digest, optionally narrowed to the package where the finding lives) or, when <see cref="ImageDigest"/> is
/// null, every image carrying the package <see cref="PackagePurl"/>.
/// </summary>
public sealed record VexJudgement(
    string Vulnerability, IReadOnlyList<string> Aliases, string? ImageDigest, string? ImageName, string? PackagePurl,
    string Justification, string ImpactStatement);

/// <summary>A stored statement: the judgement, who made it and when, and when it was revoked (then no longer applied or published).</summary>
public sealed record StoredVexStatement(
    string Id, VexJudgement Judgement, string Status, string Author, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string? RevokedBy)
{
    public bool IsLive => RevokedAt is null;
}
