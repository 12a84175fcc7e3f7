using System.Text.Json.Serialization;

namespace Comb.Contracts;

/// <summary>One layer of an image, in the order the image stacks them (0 = base).</summary>
public sealed record LayerDescriptor
{
    public required int Index { get; init; }

    /// <summary>Digest of the blob as stored (compressed); equals DiffId for uncompressed layers.</summary>
    public required string Digest { get; init; }

    /// <summary>Digest of the uncompressed tar (rootfs.diff_ids in the config).</summary>
    public required string DiffId { get; init; }

    public required string MediaType { get; init; }

    /// <summary>Size of the blob as stored.</summary>
    public long Size { get; init; }

    /// <summary>Size of the uncompressed tar, when known (after the layer was read once).</summary>
    public long? UncompressedSize { get; init; }

    /// <summary>The history line (created_by) that produced the layer, if the config has one.</summary>
    public string? CreatedBy { get; init; }
}

public sealed record ImagePlatform(string Os, string Architecture, string? Variant = null)
{
    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}

/// <summary>The parts of an OCI / Docker image config that scanners read.</summary>
public sealed record ImageConfig
{
    [JsonPropertyName("architecture")] public string? Architecture { get; init; }
    [JsonPropertyName("os")] public string? Os { get; init; }
    [JsonPropertyName("variant")] public string? Variant { get; init; }
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; init; }
    [JsonPropertyName("author")] public string? Author { get; init; }
    [JsonPropertyName("config")] public ContainerConfig? Config { get; init; }
    [JsonPropertyName("rootfs")] public RootFs? RootFs { get; init; }
    [JsonPropertyName("history")] public IReadOnlyList<HistoryEntry>? History { get; init; }
}

public sealed record ContainerConfig
{
    [JsonPropertyName("User")] public string? User { get; init; }
    [JsonPropertyName("Env")] public IReadOnlyList<string>? Env { get; init; }
    [JsonPropertyName("Entrypoint")] public IReadOnlyList<string>? Entrypoint { get; init; }
    [JsonPropertyName("Cmd")] public IReadOnlyList<string>? Cmd { get; init; }
    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; init; }
    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("ExposedPorts")] public IReadOnlyDictionary<string, object>? ExposedPorts { get; init; }
    [JsonPropertyName("Volumes")] public IReadOnlyDictionary<string, object>? Volumes { get; init; }
    [JsonPropertyName("Healthcheck")] public HealthcheckConfig? Healthcheck { get; init; }
    [JsonPropertyName("StopSignal")] public string? StopSignal { get; init; }
    [JsonPropertyName("OnBuild")] public IReadOnlyList<string>? OnBuild { get; init; }
    [JsonPropertyName("Shell")] public IReadOnlyList<string>? Shell { get; init; }
}

public sealed record HealthcheckConfig
{
    [JsonPropertyName("Test")] public IReadOnlyList<string>? Test { get; init; }
    [JsonPropertyName("Interval")] public long? Interval { get; init; }
    [JsonPropertyName("Timeout")] public long? Timeout { get; init; }
    [JsonPropertyName("Retries")] public int? Retries { get; init; }
}

public sealed record RootFs
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("diff_ids")] public IReadOnlyList<string>? DiffIds { get; init; }
}

public sealed record HistoryEntry
{
    [JsonPropertyName("created")] public DateTimeOffset? Created { get; init; }
    [JsonPropertyName("created_by")] public string? CreatedBy { get; init; }
    [JsonPropertyName("comment")] public string? Comment { get; init; }
    [JsonPropertyName("author")] public string? Author { get; init; }
    [JsonPropertyName("empty_layer")] public bool EmptyLayer { get; init; }
}

/// <summary>Everything known about an image before its layers are read.</summary>
public sealed record ImageMetadata
{
    /// <summary>The reference as the user gave it (e.g. "alpine:3.20", "oci:/tmp/img").</summary>
    public required string Reference { get; init; }

    /// <summary>Registry host for registry images (docker.io, 127.0.0.1:5000), else null.</summary>
    public string? Registry { get; init; }

    /// <summary>Repository path ("library/alpine") or a name for local sources.</summary>
    public string? Repository { get; init; }

    public string? Tag { get; init; }

    /// <summary>Digest of the image manifest (sha256:...), when the source has one.</summary>
    public string? ManifestDigest { get; init; }

    /// <summary>Digest of the image config blob; the image ID.</summary>
    public required string ConfigDigest { get; init; }

    public string? ManifestMediaType { get; init; }

    /// <summary>Digest of the image index / manifest list the manifest was chosen from (registry images), else null.</summary>
    public string? IndexDigest { get; init; }

    public required ImagePlatform Platform { get; init; }

    public required ImageConfig Config { get; init; }

    public required IReadOnlyList<LayerDescriptor> Layers { get; init; }

    /// <summary>What kind of source the image came from: registry, oci-layout, docker-archive, oci-archive, rootfs.</summary>
    public required string SourceKind { get; init; }
}
