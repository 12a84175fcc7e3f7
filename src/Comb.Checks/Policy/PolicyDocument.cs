using Comb.Checks.Trust;
using Comb.Contracts;

namespace Comb.Checks.Policy;

public static class PolicyActions
{
    public const string Warn = "warn";
    public const string Block = "block";
}

/// <summary>What a rule looks at. Exactly one kind per rule.</summary>
public abstract record RuleSelector;

public sealed record VulnerabilitySelector : RuleSelector
{
    public Severity? MinSeverity { get; init; }
    public IReadOnlyList<Severity> Severities { get; init; } = [];

    /// <summary>Only findings with a fixed version available.</summary>
    public bool FixedOnly { get; init; }

    /// <summary>Only findings on CISA's Known Exploited Vulnerabilities list.</summary>
    public bool KevOnly { get; init; }

    /// <summary>Only findings with a CVSS base score at or above this.</summary>
    public double? MinCvss { get; init; }
    public IReadOnlyList<Glob> Packages { get; init; } = [];
}

public sealed record SecretSelector : RuleSelector
{
    public Severity? MinSeverity { get; init; }
    public IReadOnlyList<Glob> Rules { get; init; } = [];
}

public sealed record MalwareSelector : RuleSelector
{
    public Severity? MinSeverity { get; init; }
    public IReadOnlyList<Glob> Categories { get; init; } = [];
}

public sealed record ConfigSelector : RuleSelector
{
    public Severity? MinSeverity { get; init; }
    public IReadOnlyList<Glob> Checks { get; init; } = [];
}

public sealed record TrustSelector : RuleSelector
{
    /// <summary>Fire when the trust result says untrusted.</summary>
    public bool Untrusted { get; init; } = true;

    /// <summary>Also fire for these signature states (valid, invalid, missing, not-checked).</summary>
    public IReadOnlyList<string> SignatureStatus { get; init; } = [];
}

public sealed record PolicyRule
{
    public required string Id { get; init; }
    public required string Action { get; init; }
    public string? Description { get; init; }
    public required RuleSelector Selector { get; init; }
}

/// <summary>Suppresses matches of some rules until a date, with a reason. All given conditions must hold.</summary>
public sealed record PolicyException
{
    /// <summary>Finding id: CVE/GHSA id or alias, secret rule id, malware signature, config check id.</summary>
    public Glob? Id { get; init; }
    public Glob? Package { get; init; }
    public Glob? Image { get; init; }

    /// <summary>Rule ids this exception is limited to; empty = every rule.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>Last day the exception applies (inclusive, UTC).</summary>
    public DateOnly? Expires { get; init; }
    public required string Reason { get; init; }
    public int Line { get; init; }

    public bool IsExpired(DateOnly today) => Expires is { } last && today > last;

    public string Describe()
    {
        var parts = new List<string>();
        if (Id is not null) { parts.Add("id " + Id.Pattern); }
        if (Package is not null) { parts.Add("package " + Package.Pattern); }
        if (Image is not null) { parts.Add("image " + Image.Pattern); }
        if (Rules.Count > 0) { parts.Add("rules " + string.Join(',', Rules)); }
        return string.Join(", ", parts);
    }
}

public sealed record PolicyDocument
{
    public required string Name { get; init; }
    public required IReadOnlyList<PolicyRule> Rules { get; init; }
    public IReadOnlyList<PolicyException> Exceptions { get; init; } = [];

    /// <summary>The optional trust section (used when no separate trust policy file is given).</summary>
    public TrustPolicy? Trust { get; init; }
}
