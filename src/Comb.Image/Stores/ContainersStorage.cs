using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Image.Stores;

/// <summary>
/// The on-disk metadata of a containers/storage store (Podman, CRI-O, Buildah) for one graph driver:
/// DRIVER-images/images.json, DRIVER-layers/layers.json, DRIVER-containers/containers.json and the
/// images' "big data" files (manifest, config). Only read; the store's locks are not taken, so the files are
/// read as they are on disk (containers/storage replaces them atomically).
/// </summary>
public sealed class ContainersStorage
{
    public const string DefaultRoot = "/var/lib/containers/storage";
    private static readonly string[] Drivers = ["overlay", "vfs"];

    private ContainersStorage(string root, string driver)
    {
        Root = root;
        Driver = driver;
    }

    public string Root { get; }

    public string Driver { get; }

    /// <summary>The stores of every supported driver that has an image or container list under the root.</summary>
    public static IReadOnlyList<ContainersStorage> Open(string? root)
    {
        var full = Path.GetFullPath(root ?? DefaultRoot);
        if (!Directory.Exists(full))
        {
            throw new CombInputException($"containers storage root not found: {full} (use --storage-root)", CombErrorKind.NotFound);
        }

        var found = Drivers
            .Where(d => File.Exists(Path.Combine(full, d + "-images", "images.json")) || File.Exists(Path.Combine(full, d + "-containers", "containers.json")))
            .Select(d => new ContainersStorage(full, d))
            .ToList();
        if (found.Count == 0)
        {
            throw new CombInputException($"{full}: no overlay or vfs image store (no overlay-images/images.json or vfs-images/images.json)", CombErrorKind.NotFound);
        }

        return found;
    }

    public sealed record StoredImage
    {
        [JsonPropertyName("id")] public string Id { get; init; } = "";
        [JsonPropertyName("digest")] public string? Digest { get; init; }
        [JsonPropertyName("digests")] public List<string>? Digests { get; init; }
        [JsonPropertyName("names")] public List<string>? Names { get; init; }
        [JsonPropertyName("layer")] public string? TopLayer { get; init; }
        [JsonPropertyName("big-data-digests")] public Dictionary<string, string>? BigDataDigests { get; init; }
    }

    public sealed record StoredLayer
    {
        [JsonPropertyName("id")] public string Id { get; init; } = "";
        [JsonPropertyName("parent")] public string? Parent { get; init; }
        [JsonPropertyName("diff-digest")] public string? DiffDigest { get; init; }
        [JsonPropertyName("compressed-diff-digest")] public string? CompressedDigest { get; init; }
    }

    public sealed record StoredContainer
    {
        [JsonPropertyName("id")] public string Id { get; init; } = "";
        [JsonPropertyName("names")] public List<string>? Names { get; init; }
        [JsonPropertyName("image")] public string? Image { get; init; }
        [JsonPropertyName("layer")] public string? Layer { get; init; }
        [JsonPropertyName("created")] public DateTimeOffset? Created { get; init; }
    }

    public Task<List<StoredImage>> ImagesAsync(CancellationToken cancellationToken) =>
        ReadListAsync<StoredImage>(Path.Combine(Root, Driver + "-images", "images.json"), cancellationToken);

    public Task<List<StoredLayer>> LayersAsync(CancellationToken cancellationToken) =>
        ReadListAsync<StoredLayer>(Path.Combine(Root, Driver + "-layers", "layers.json"), cancellationToken);

    public Task<List<StoredContainer>> ContainersAsync(CancellationToken cancellationToken) =>
        ReadListAsync<StoredContainer>(Path.Combine(Root, Driver + "-containers", "containers.json"), cancellationToken);

    /// <summary>The unpacked files of a layer: the whole tree for vfs, only the layer's changes (diff) for overlay.</summary>
    public string LayerDirectory(string layerId)
    {
        CheckId(layerId);
        return Driver == "vfs" ? Path.Combine(Root, "vfs", "dir", layerId) : Path.Combine(Root, "overlay", layerId, "diff");
    }

    public string TarSplitFile(string layerId)
    {
        CheckId(layerId);
        return Path.Combine(Root, Driver + "-layers", layerId + ".tar-split.gz");
    }

    /// <summary>Reads an image's big-data item (manifest, config) and checks it against the digest the store recorded.</summary>
    public async Task<byte[]> BigDataAsync(StoredImage image, string key, CancellationToken cancellationToken)
    {
        CheckId(image.Id);
        var dir = Path.Combine(Root, Driver + "-images", image.Id);

        // Keys that are safe file names are stored as is, others base64-encoded behind "=".
        var plain = Path.Combine(dir, key);
        var encoded = Path.Combine(dir, "=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(key)));
        var path = key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && File.Exists(plain) ? plain : encoded;
        if (!File.Exists(path))
        {
            throw new CombInputException($"{Root}: image {Short(image.Id)} has no '{key}' data", CombErrorKind.NotFound);
        }

        var data = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        if (image.BigDataDigests?.GetValueOrDefault(key) is { } expected)
        {
            var actual = Oci.ImageMetadataBuilder.Sha256(data);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new CombInputException($"{Root}: image {Short(image.Id)} '{key}' hashes to {actual}, the store recorded {expected}");
            }
        }

        return data;
    }

    public static string Short(string id) => id.Length > 12 ? id[..12] : id;

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = false };

    private static async Task<List<T>> ReadListAsync<T>(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
            return await JsonSerializer.DeserializeAsync<List<T>>(stream, Json, cancellationToken).ConfigureAwait(false) ?? [];
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{path}: not valid containers storage metadata: {ex.Message}", ex);
        }
    }

    // IDs become path segments: only hex-like names, never separators.
    private static void CheckId(string id)
    {
        if (id.Length == 0 || !id.All(char.IsAsciiLetterOrDigit))
        {
            throw new CombInputException($"containers storage: invalid id '{id}'");
        }
    }
}
