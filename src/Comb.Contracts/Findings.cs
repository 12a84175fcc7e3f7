namespace Comb.Contracts;

public sealed record CvssScore
{
    /// <summary>Who scored it: nvd, ghsa, debian, redhat, osv...</summary>
    public required string Source { get; init; }

    /// <summary>"2.0", "3.0", "3.1", "4.0".</summary>
    public required string Version { get; init; }
    public required string Vector { get; init; }
    public double? BaseScore { get; init; }
}

public sealed record VulnerabilityFinding
{
    /// <summary>Primary id (CVE when one is known, else the advisory id).</summary>
    public required string Id { get; init; }
    public IReadOnlyList<string> Aliases { get; init; } = [];

    public required string PackageName { get; init; }
    public required string PackageType { get; init; }
    public required string InstalledVersion { get; init; }
    public string? PackagePurl { get; init; }
    public string? SourcePackageName { get; init; }

    public IReadOnlyList<string> FixedVersions { get; init; } = [];

    /// <summary>fixed, affected, will_not_fix, fix_deferred, end_of_life, unknown.</summary>
    public string Status { get; init; } = "affected";

    public Severity Severity { get; init; }

    /// <summary>Where the severity came from (vendor name, or "cvss").</summary>
    public string? SeveritySource { get; init; }

    /// <summary>
    /// The record and field the severity was read from, e.g. "DSA-1234-1 urgency", "GHSA-xxxx severity",
    /// "CVE-2023-0286 via ALSA-2025:7895 vendor rating", "GHSA-xxxx CVSS 3.1 vector"; null when the severity is unknown.
    /// </summary>
    public string? SeverityOrigin { get; init; }
    public IReadOnlyList<CvssScore> Cvss { get; init; } = [];
    public bool KnownExploited { get; init; }

    public string? Title { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> References { get; init; } = [];
    public IReadOnlyList<string> Cwes { get; init; } = [];
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Command a person can run inside the container to confirm what is installed.</summary>
    public string? CheckCommand { get; init; }
    public string? FixAdvice { get; init; }

    public string? LayerDiffId { get; init; }
    public string? Path { get; init; }

    /// <summary>Advisory source(s) the match came from (osv:PyPI, debian, alpine-secdb...).</summary>
    public IReadOnlyList<string> DataSources { get; init; } = [];
    public DateTimeOffset? Published { get; init; }
    public DateTimeOffset? Modified { get; init; }
}

public sealed record SecretFinding
{
    public required string RuleId { get; init; }
    public required string Title { get; init; }
    public string? Category { get; init; }
    public Severity Severity { get; init; }

    /// <summary>Path inside the image, or "ENV", "LABEL", "history[N]".</summary>
    public required string Path { get; init; }
    public string? LayerDiffId { get; init; }
    public int? Line { get; init; }

    /// <summary>The matched value, masked: never the secret itself.</summary>
    public required string Masked { get; init; }

    /// <summary>The line with the secret masked, for context.</summary>
    public string? Snippet { get; init; }

    /// <summary>True when a later layer deleted the file: still readable by anyone who pulls the image.</summary>
    public bool DeletedInLaterLayer { get; init; }
}

public sealed record MalwareFinding
{
    public required string Path { get; init; }
    public string? LayerDiffId { get; init; }

    /// <summary>Engines that flagged it: hash, yara, clamav, webshell.</summary>
    public required IReadOnlyList<string> Engines { get; init; }

    /// <summary>Signature or rule names, model score description.</summary>
    public required IReadOnlyList<string> Signatures { get; init; }

    /// <summary>trojan, miner, webshell, test-file, malware...</summary>
    public required string Category { get; init; }
    public Severity Severity { get; init; }
    public required string Sha256 { get; init; }
    public double? Score { get; init; }

    /// <summary>Human-readable evidence (e.g. "eval of base64_decode(...) of $_POST input").</summary>
    public IReadOnlyList<string> Evidence { get; init; } = [];
    public bool DeletedInLaterLayer { get; init; }
}

public sealed record ConfigFinding
{
    public required string CheckId { get; init; }
    public required string Title { get; init; }
    public Severity Severity { get; init; }
    public required string Message { get; init; }
    public string? Rationale { get; init; }
    public string? Fix { get; init; }

    /// <summary>Path inside the image, or the config element ("config.json", "ENV", "USER", "history[N]", "Dockerfile:LINE").</summary>
    public required string Location { get; init; }
    public string? LayerDiffId { get; init; }
}

public sealed record TrustResult
{
    public required bool Trusted { get; init; }

    /// <summary>One line per rule evaluated: which matched, which failed, signature state and key.</summary>
    public required IReadOnlyList<string> Reasons { get; init; }

    /// <summary>valid, invalid, missing, not-checked.</summary>
    public string SignatureStatus { get; init; } = "not-checked";
    public string? SignatureKey { get; init; }
}

public sealed record PolicyRuleResult
{
    public required string RuleId { get; init; }

    /// <summary>warn or block.</summary>
    public required string Action { get; init; }
    public required string Message { get; init; }
    public IReadOnlyList<string> Matches { get; init; } = [];
}

public sealed record PolicyVerdict
{
    /// <summary>pass, warn or block.</summary>
    public required string Decision { get; init; }
    public string? PolicyName { get; init; }
    public IReadOnlyList<PolicyRuleResult> Fired { get; init; } = [];

    /// <summary>Findings an active exception suppressed: what, which rule, and the exception's reason.</summary>
    public IReadOnlyList<string> Suppressed { get; init; } = [];

    /// <summary>Exceptions past their expiry date: they no longer apply and should be renewed or removed.</summary>
    public IReadOnlyList<string> ExpiredExceptions { get; init; } = [];
}
