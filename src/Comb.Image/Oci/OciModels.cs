using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Image.Oci;

public static class MediaTypes
{
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    /// <summary>Layer media types we can read: tar, gzip or zstd, OCI or Docker, including non-distributable variants.</summary>
    public static bool IsLayer(string? mediaType) => mediaType is not null &&
        (mediaType.StartsWith("application/vnd.oci.image.layer.", StringComparison.Ordinal)
         || mediaType.StartsWith("application/vnd.docker.image.rootfs.", StringComparison.Ordinal));
}

public sealed record OciDescriptor
{
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("digest")] public string Digest { get; init; } = "";
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
    [JsonPropertyName("platform")] public OciPlatform? Platform { get; init; }
    [JsonPropertyName("urls")] public List<string>? Urls { get; init; }
}

public sealed record OciPlatform
{
    [JsonPropertyName("os")] public string? Os { get; init; }
    [JsonPropertyName("architecture")] public string? Architecture { get; init; }
    [JsonPropertyName("variant")] public string? Variant { get; init; }
}

/// <summary>An image manifest or an index (the fields of both, as JSON allows).</summary>
public sealed record OciManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; }
    [JsonPropertyName("mediaType")] public string? MediaType { get; init; }
    [JsonPropertyName("config")] public OciDescriptor? Config { get; init; }
    [JsonPropertyName("layers")] public List<OciDescriptor>? Layers { get; init; }
    [JsonPropertyName("manifests")] public List<OciDescriptor>? Manifests { get; init; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }

    /// <summary>Media type from the field, or inferred from which members are present (OCI allows omitting it).</summary>
    public string EffectiveMediaType => MediaType ?? (Manifests is not null ? MediaTypes.OciIndex : MediaTypes.OciManifest);

    public static OciManifest Parse(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<OciManifest>(json) ?? throw new CombInputException($"{what}: empty manifest");
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{what}: not a valid manifest: {ex.Message}", ex);
        }
    }
}

/// <summary>Chooses one manifest from an index for the wanted platform.</summary>
public static class PlatformSelector
{
    public static ImagePlatform Default()
    {
        var arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            System.Runtime.InteropServices.Architecture.Arm => "arm",
            System.Runtime.InteropServices.Architecture.X86 => "386",
            System.Runtime.InteropServices.Architecture.S390x => "s390x",
            System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
            var other => other.ToString().ToLowerInvariant(),
        };
        return new ImagePlatform("linux", arch, arch == "arm64" ? "v8" : null);
    }

    public static ImagePlatform Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new CombInputException($"invalid platform '{text}': expected os/arch[/variant], e.g. linux/amd64");
        }

        return new ImagePlatform(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }

    public static OciDescriptor Select(IReadOnlyList<OciDescriptor> manifests, ImagePlatform? wanted, string what)
    {
        // Attestation manifests (buildkit) carry platform unknown/unknown; never pick them.
        var candidates = manifests.Where(m => m.Platform is null || m.Platform.Os != "unknown").ToList();
        if (candidates.Count == 0)
        {
            throw new CombInputException($"{what}: index lists no image manifests");
        }

        var platform = wanted ?? Default();
        var matches = candidates.Where(m => m.Platform is { } p
            && string.Equals(p.Os, platform.Os, StringComparison.OrdinalIgnoreCase)
            && string.Equals(p.Architecture, platform.Architecture, StringComparison.OrdinalIgnoreCase)).ToList();
        if (platform.Variant is not null && matches.Count > 1)
        {
            var exact = matches.Where(m => string.Equals(m.Platform!.Variant, platform.Variant, StringComparison.OrdinalIgnoreCase)).ToList();
            if (exact.Count > 0)
            {
                matches = exact;
            }
        }
        else if (platform.Variant is not null && matches.Count == 1 && matches[0].Platform!.Variant is { } v
                 && wanted?.Variant is not null && !string.Equals(v, platform.Variant, StringComparison.OrdinalIgnoreCase))
        {
            matches.Clear();
        }

        if (matches.Count > 0)
        {
            return matches[0];
        }

        if (wanted is null && candidates.Count == 1)
        {
            return candidates[0];
        }

        var available = string.Join(", ", candidates.Select(m => m.Platform is { } p
            ? new ImagePlatform(p.Os ?? "?", p.Architecture ?? "?", p.Variant).ToString() : "(no platform)"));
        throw new CombInputException($"{what}: no image for platform {platform}; available: {available}");
    }
}
