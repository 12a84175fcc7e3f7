using System.Text.Json;
using System.Text.Json.Serialization;

namespace Comb.Server.Registries;

/// <summary>How the server signs in to a registry.</summary>
public static class RegistryAuthKinds
{
    public const string None = "none";
    public const string Basic = "basic";
    public const string Token = "token";
    public const string CredentialHelper = "credential-helper";

    public static readonly IReadOnlyList<string> All = [None, Basic, Token, CredentialHelper];
}

/// <summary>Which repositories and tags of a registry are scanned.</summary>
public sealed record RegistryFilters
{
    /// <summary>Repository globs (<c>*</c> within a path segment, <c>**</c> across segments, <c>?</c>); none: every repository.</summary>
    public IReadOnlyList<string>? Repositories { get; init; }

    /// <summary>Tag globs; none: every tag.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Keep only the newest N tags of each repository (by version-aware order of the tag names).</summary>
    public int? LastTags { get; init; }

    /// <summary>Tag globs never scanned.</summary>
    public IReadOnlyList<string>? SkipTags { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
}

/// <summary>A stored registry. <see cref="Secret"/> is the password or token in clear, only in memory; it is stored protected.</summary>
public sealed record RegistryRecord
{
    public required string Name { get; init; }
    public required string Url { get; init; }
    public bool Insecure { get; init; }
    public string Auth { get; init; } = RegistryAuthKinds.None;
    public string? Username { get; init; }
    public string? Secret { get; init; }
    public string? CredentialHelper { get; init; }
    public RegistryFilters Filters { get; init; } = new();
    public string? Schedule { get; init; }
    public DateTimeOffset? NextRunAt { get; init; }
    public DateTimeOffset? LastScanAt { get; init; }
    public string? LastErrorKind { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
    public int Errors { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string? UpdatedBy { get; init; }

    /// <summary>host[:port] as image references name it.</summary>
    public string Host => new Uri(Url).Authority;

    /// <summary>Plain HTTP needs the client's insecure mode as much as a self-signed certificate does.</summary>
    public bool UsesInsecureClient => Insecure || new Uri(Url).Scheme == Uri.UriSchemeHttp;
}

/// <summary>One tag of a registry as the server knows it, and where its scan stands.</summary>
public sealed record RegistryImage
{
    public required string Registry { get; init; }
    public required string Repository { get; init; }
    public required string Tag { get; init; }
    public required string Digest { get; init; }
    public long EventAt { get; init; }
    public string? JobId { get; init; }
    public string? JobDigest { get; init; }
    public string? JobKey { get; init; }
    public string? JobDb { get; init; }
    public string? ScannedDigest { get; init; }
    public string? ScannedKey { get; init; }
    public string? ScannedDb { get; init; }
    public string? ScanId { get; init; }
    public bool Failed { get; init; }
    public string? Error { get; init; }
}

/// <summary>Counts and the last trouble of one registry, as GET /api/v1/registries/{name} reports them.</summary>
public sealed record RegistryCounts(int Images, int Scanned, int Failed, int Pending);
