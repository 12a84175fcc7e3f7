using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.VulnDb.Feeds;

/// <summary>One advisory in the form every importer produces and the database stores (OSV-shaped).</summary>
internal sealed class Advisory
{
    public required string Id { get; init; }
    public List<string> Aliases { get; init; } = [];

    /// <summary>Upstream ids a downstream (distro) advisory covers, e.g. the CVEs a DSA fixes.</summary>
    public List<string> Upstream { get; init; } = [];
    public List<string> Related { get; init; } = [];
    public string? Summary { get; set; }
    public string? Details { get; set; }

    /// <summary>Severity the publisher states (GHSA label, distro priority), when it states one.</summary>
    public Severity VendorSeverity { get; set; }
    public string? VendorSeveritySource { get; set; }

    /// <summary>Bare CVSS base score some sources give without a vector.</summary>
    public double? BareScore { get; set; }
    public List<CvssVector> Cvss { get; init; } = [];
    public List<string> Cwes { get; init; } = [];
    public List<string> References { get; init; } = [];
    public DateTimeOffset? Published { get; set; }
    public DateTimeOffset? Modified { get; set; }
    public DateTimeOffset? Withdrawn { get; set; }
    public List<AffectedEntry> Affected { get; init; } = [];

    /// <summary>Feeds that contributed the record (osv:npm, debian, alpine-secdb...).</summary>
    public SortedSet<string> Sources { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>A CVSS vector as published; scored when a finding is built.</summary>
internal sealed record CvssVector(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("vector")] string Vector);

/// <summary>One package (in one ecosystem or distro release) an advisory affects.</summary>
internal sealed record AffectedEntry
{
    /// <summary>Ecosystem exactly as the record names it ("npm", "Debian:11", "Alpine:v3.11").</summary>
    public required string Ecosystem { get; init; }
    public required string Name { get; init; }
    public string? Purl { get; init; }
    public IReadOnlyList<AffectedRange> Ranges { get; init; } = [];
    public IReadOnlyList<string> Versions { get; init; } = [];

    /// <summary>Distro status without a version: unfixed, end_of_life, will_not_fix, not_affected; null for ranges.</summary>
    public string? Status { get; init; }

    /// <summary>Per-package severity (affected[].severity / ecosystem_specific), when given.</summary>
    public Severity Severity { get; init; }
}

internal sealed record AffectedRange(
    [property: JsonPropertyName("t")] string Type,
    [property: JsonPropertyName("e")] IReadOnlyList<RangeEvent> Events);

/// <summary>One OSV range event: kind is introduced, fixed, last_affected or limit.</summary>
internal sealed record RangeEvent(
    [property: JsonPropertyName("k")] string Kind,
    [property: JsonPropertyName("v")] string Version);

internal static class EventKinds
{
    public const string Introduced = "introduced";
    public const string Fixed = "fixed";
    public const string LastAffected = "last_affected";
    public const string Limit = "limit";
}

internal static class AffectedStatuses
{
    public const string Unfixed = "unfixed";
    public const string EndOfLife = "end_of_life";
    public const string WillNotFix = "will_not_fix";
    public const string NotAffected = "not_affected";
}

/// <summary>A CISA KEV catalogue entry.</summary>
internal sealed record KevEntry
{
    public required string CveId { get; init; }
    public string? Vendor { get; init; }
    public string? Product { get; init; }
    public string? Name { get; init; }
    public string? DateAdded { get; init; }
    public string? DueDate { get; init; }
    public string? RequiredAction { get; init; }
    public string? RansomwareUse { get; init; }
}
