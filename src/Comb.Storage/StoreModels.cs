using Comb.Contracts;

namespace Comb.Storage;

/// <summary>One line of `comb history`: a recorded scan with its counts and verdict.</summary>
public sealed record ScanSummary
{
    public required string Id { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string Reference { get; init; }
    public string? Repository { get; init; }
    public string? Tag { get; init; }
    public required string Digest { get; init; }
    public string? DbVersion { get; init; }
    public string? Trigger { get; init; }
    public string? Verdict { get; init; }
    public int Critical { get; init; }
    public int High { get; init; }
    public int Medium { get; init; }
    public int Low { get; init; }
    public int Unknown { get; init; }
    public int Packages { get; init; }
    public int Secrets { get; init; }
    public int Malware { get; init; }
    public int Misconfigurations { get; init; }
}

/// <summary>An image hit by a vulnerability or package query (`comb impact`).</summary>
public sealed record ImpactHit
{
    public required string ScanId { get; init; }
    public required string Reference { get; init; }
    public required string Digest { get; init; }
    public required DateTimeOffset ScannedAt { get; init; }
    public required string Package { get; init; }
    public required string Version { get; init; }
    public string? VulnerabilityId { get; init; }
    public string? Severity { get; init; }
    public string? FixedVersion { get; init; }
    public string? Layer { get; init; }
    public string? Path { get; init; }
}

/// <summary>Which scans `comb history` lists.</summary>
public sealed record HistoryQuery
{
    /// <summary>A reference, a repository (all its tags) or a digest; null = everything.</summary>
    public string? Image { get; init; }
    public int Limit { get; init; } = 100;
}

public static class DigestOf
{
    /// <summary>The identity of the scanned image: its manifest digest, else the config digest (image id).</summary>
    public static string Image(ImageMetadata image) => image.ManifestDigest ?? image.ConfigDigest;
}
