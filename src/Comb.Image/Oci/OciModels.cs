using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Image.Oci;

/// <summary>An image manifest or an index (the fields of both, as JSON allows).</summary>
public sealed record OciManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; }
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("config")] public Descriptor? Config { get; init; }
    [JsonPropertyName("layers")] public IReadOnlyList<Descriptor>? Layers { get; init; }
    [JsonPropertyName("manifests")] public IReadOnlyList<Descriptor>? Manifests { get; init; }
    [JsonPropertyName("annotations")] public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Media type from the field, or inferred from which members are present (OCI allows omitting it).</summary>
    public string EffectiveMediaType => MediaType ?? (Manifests is not null ? MediaTypes.OciIndex : MediaTypes.OciManifest);

    public static OciManifest Parse(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, OciJson.Default.OciManifest) ?? throw new CombInputException($"{what}: empty manifest");
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{what}: not a valid manifest: {ex.Message}", ex);
        }
    }
}

/// <summary>
/// Manifests and image configs read through source-generated metadata: every scan of a local layout or archive reads
/// them, and the reflection-based serializer built its metadata at the start of each process first.
/// </summary>
[JsonSerializable(typeof(OciManifest))]
internal sealed partial class OciJson : JsonSerializerContext;

/// <summary>Image configs as Docker and OCI tools write them: member names in any case, numbers sometimes as strings.</summary>
[JsonSerializable(typeof(ImageConfig))]
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
internal sealed partial class ImageConfigJson : JsonSerializerContext;
