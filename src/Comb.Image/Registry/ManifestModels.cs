using System.Text.Json.Serialization;
using Comb.Image.Oci;

namespace Comb.Image.Registry;

/// <summary>A manifest as the registry returned it: the exact bytes, their digest and media type.</summary>
public sealed record ManifestResponse
{
    public required byte[] Content { get; init; }

    /// <summary>Digest of <see cref="Content"/> (computed, and checked against the requested digest when pinned).</summary>
    public required string Digest { get; init; }

    /// <summary>Media type from Content-Type, or from the body's mediaType when the header is generic.</summary>
    public required string MediaType { get; init; }
}

/// <summary>What a HEAD on a manifest tells: digest, media type and size, without counting as a pull.</summary>
public sealed record ManifestHead(string? Digest, string MediaType, long? Size);

[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(RegistryErrorList))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(MediaTypeProbe))]
[JsonSourceGenerationOptions(ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow)]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;

/// <summary>Just the mediaType field, to tell a manifest from an index before parsing either.</summary>
internal sealed record MediaTypeProbe
{
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; }
    [JsonPropertyName("manifests")] public System.Text.Json.JsonElement? Manifests { get; init; }
    [JsonPropertyName("config")] public System.Text.Json.JsonElement? Config { get; init; }
}

internal sealed record TokenResponse
{
    [JsonPropertyName("token")] public string? Token { get; init; }
    [JsonPropertyName("access_token")] public string? AccessToken { get; init; }
    [JsonPropertyName("expires_in")] public int? ExpiresIn { get; init; }
    [JsonPropertyName("issued_at")] public DateTimeOffset? IssuedAt { get; init; }
}

internal sealed record RegistryErrorList
{
    [JsonPropertyName("errors")] public IReadOnlyList<RegistryErrorEntry>? Errors { get; init; }
}

internal sealed record RegistryErrorEntry
{
    [JsonPropertyName("code")] public string? Code { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

public sealed record TagList
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<string>? Tags { get; init; }
}
