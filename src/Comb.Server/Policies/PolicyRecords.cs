namespace Comb.Server.Policies;

/// <summary>A stored policy at its current revision.</summary>
public sealed record StoredPolicy(string Name, int Revision, string Yaml, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? UpdatedBy);

/// <summary>One revision of a policy: every save makes one, and old ones stay readable.</summary>
public sealed record PolicyRevision(string Name, int Revision, string Yaml, DateTimeOffset CreatedAt, string? CreatedBy);

/// <summary>
/// What an exception exempts, in the terms of the policy YAML's <c>exceptions</c> entries (docs/policy.md):
/// <see cref="Finding"/> is the entry's <c>id</c> (finding id glob), then package/path glob, image glob, the rules it is
/// limited to, the last day it applies, and why.
/// </summary>
public sealed record ExceptionFields(string? Finding, string? Package, string? Image, IReadOnlyList<string>? Rules, DateOnly? Expires, string? Reason)
{
    /// <summary>Who is accountable for the exception (a person or team); null keeps the current one, or the maker's name on creation.</summary>
    public string? Owner { get; init; }
}

/// <summary>
/// A stored exception of one policy. <see cref="ExpiredAt"/> is set when an admin ended it early; <see cref="Owner"/> is who
/// is accountable for it (null on exceptions made before owners were kept: then its maker is).
/// </summary>
public sealed record StoredException(
    string Id, string Policy, string? Finding, string? Package, string? Image, IReadOnlyList<string> Rules, DateOnly? Expires, string Reason,
    DateTimeOffset CreatedAt, string? CreatedBy, DateTimeOffset UpdatedAt, string? UpdatedBy, DateTimeOffset? ExpiredAt, string? Owner = null)
{
    /// <summary>The owner, or for older exceptions the token that made it.</summary>
    public string? Accountable => Owner ?? CreatedBy;

    /// <summary>Whether it still applies on a day (UTC): not ended early and not past its last day.</summary>
    public bool IsLive(DateOnly today) => ExpiredAt is null && (Expires is not { } last || today <= last);

    public ExceptionFields Fields => new(Finding, Package, Image, Rules, Expires, Reason) { Owner = Owner };
}
