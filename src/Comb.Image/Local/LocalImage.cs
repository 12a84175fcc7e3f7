using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;
using Comb.Image.Oci;

namespace Comb.Image.Local;

/// <summary>An image whose blobs live in a local store (OCI layout directory, OCI archive, docker save tarball).</summary>
internal sealed class LocalImage(ImageMetadata metadata, IBlobStore store, IReadOnlyDictionary<string, string> layerPaths) : IImage
{
    public ImageMetadata Metadata => metadata;

    public Task<Stream> OpenLayerBlobAsync(LayerDescriptor layer, CancellationToken cancellationToken)
    {
        if (!layerPaths.TryGetValue(layer.Digest, out var path))
        {
            throw new CombInputException($"{store.Description}: unknown layer {layer.Digest}");
        }

        Stream blob = store.Open(path);
        return Task.FromResult<Stream>(new DigestVerifyingStream(blob, layer.Digest, layer.Size > 0 ? layer.Size : null,
            $"layer blob {Layers.LayerStreams.Short(layer.Digest)} in {store.Description}"));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static byte[] ReadAll(IBlobStore store, string path, long maxBytes = 64L * 1024 * 1024)
    {
        using var stream = store.Open(path);
        using var ms = new MemoryStream();
        var buffer = new byte[81920];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            ms.Write(buffer, 0, n);
            if (ms.Length > maxBytes)
            {
                throw new CombInputException($"{store.Description}: '{path}' is larger than {maxBytes} bytes; not an image metadata file");
            }
        }

        return ms.ToArray();
    }

    /// <summary>Reads a blob by digest from an OCI-style store and checks it.</summary>
    internal static byte[] ReadBlob(IBlobStore store, Descriptor descriptor, string what)
    {
        var digest = descriptor.Digest ?? throw new CombInputException($"{what}: a descriptor has no digest");
        var path = BlobPath(digest);
        var data = ReadAll(store, path);
        var actual = ImageMetadataBuilder.Sha256(data);
        if (!string.Equals(actual, digest, StringComparison.OrdinalIgnoreCase))
        {
            throw new CombInputException($"{what}: digest mismatch for {digest}: content hashes to {actual}");
        }

        return data;
    }

    internal static string BlobPath(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || digest[(colon + 1)..].Any(c => !char.IsAsciiHexDigit(c)))
        {
            throw new CombInputException($"invalid digest '{digest}'");
        }

        return $"blobs/{digest[..colon]}/{digest[(colon + 1)..]}";
    }
}

/// <summary>Reads images from an OCI image layout held in a blob store.</summary>
internal static class OciLayoutReader
{
    public static LocalImage Open(IBlobStore store, string reference, string sourceKind, string? tag, ImageOpenOptions options)
    {
        if (!store.Exists("index.json"))
        {
            throw new CombInputException($"{store.Description}: not an OCI image layout (no index.json)");
        }

        var index = OciManifest.Parse(LocalImage.ReadAll(store, "index.json"), $"{store.Description}/index.json");
        var manifests = index.Manifests ?? [];
        if (tag is not null)
        {
            manifests = [.. manifests.Where(m => m.Annotations is { } a
                && (a.GetValueOrDefault("org.opencontainers.image.ref.name") == tag
                    || a.GetValueOrDefault("io.containerd.image.name")?.EndsWith(":" + tag, StringComparison.Ordinal) == true))];
            if (manifests.Count == 0)
            {
                throw new CombInputException($"{store.Description}: no image tagged '{tag}' in index.json");
            }
        }

        var descriptor = manifests.Count == 1 ? manifests[0] : Choose(manifests, options.Platform, store.Description);
        return FromDescriptor(store, descriptor, reference, sourceKind, tag, options, depth: 0);
    }

    /// <summary>The manifest for the wanted platform; with none asked for, a lone image manifest whatever its platform.</summary>
    private static Descriptor Choose(IReadOnlyList<Descriptor> manifests, ImagePlatform? wanted, string what)
    {
        // Attestation manifests (buildkit) carry platform unknown/unknown; never pick them.
        var images = manifests.Where(m => m.Platform is null || m.Platform.Os != "unknown").ToList();
        if (images.Count == 0)
        {
            throw new CombInputException($"{what}: index lists no image manifests");
        }

        if (wanted is null && images.Count == 1)
        {
            return images[0];
        }

        var platform = wanted ?? PlatformSelector.Default();
        return PlatformSelector.Select(images, platform)
            ?? throw new CombInputException($"{what}: no image for platform {platform}; available: {PlatformSelector.Describe(images)}");
    }

    internal static LocalImage FromDescriptor(IBlobStore store, Descriptor descriptor, string reference, string sourceKind, string? tag, ImageOpenOptions options, int depth)
    {
        if (depth > 4)
        {
            throw new CombInputException($"{store.Description}: indexes nested too deep");
        }

        var bytes = LocalImage.ReadBlob(store, descriptor, store.Description);
        var manifest = OciManifest.Parse(bytes, $"{store.Description} manifest {descriptor.Digest}");
        var mediaType = descriptor.MediaType ?? manifest.EffectiveMediaType;
        if (MediaTypes.IsIndex(mediaType) || (manifest.Manifests is not null && manifest.Layers is null))
        {
            var chosen = Choose(manifest.Manifests ?? [], options.Platform, store.Description);
            return FromDescriptor(store, chosen, reference, sourceKind, tag, options, depth + 1);
        }

        if (!MediaTypes.IsImageManifest(mediaType))
        {
            throw new CombInputException($"{store.Description}: unsupported manifest media type '{mediaType}'");
        }

        return Build(store, manifest, descriptor.Digest, mediaType, reference, sourceKind, tag);
    }

    internal static LocalImage Build(IBlobStore store, OciManifest manifest, string? manifestDigest, string mediaType, string reference, string sourceKind, string? tag)
    {
        if (manifest.Config is null)
        {
            throw new CombInputException($"{store.Description}: manifest has no config");
        }

        var configBytes = LocalImage.ReadBlob(store, manifest.Config, store.Description);
        var config = ImageMetadataBuilder.ParseConfig(configBytes, $"{store.Description} config");
        var blobs = new List<(string, string, long)>();
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var layer in manifest.Layers ?? [])
        {
            if (!MediaTypes.IsLayer(layer.MediaType))
            {
                throw new CombInputException($"{store.Description}: unsupported layer media type '{layer.MediaType}'");
            }

            var digest = layer.Digest ?? throw new CombInputException($"{store.Description}: a layer descriptor has no digest");
            blobs.Add((digest, layer.MediaType!, layer.Size));
            paths[digest] = LocalImage.BlobPath(digest);
        }

        var metadata = new ImageMetadata
        {
            Reference = reference,
            Repository = NameOf(reference),
            Tag = tag,
            ManifestDigest = manifestDigest,
            ConfigDigest = manifest.Config.Digest ?? throw new CombInputException($"{store.Description}: the config descriptor has no digest"),
            ManifestMediaType = mediaType,
            Platform = ImageMetadataBuilder.PlatformOf(config),
            Config = config,
            Layers = ImageMetadataBuilder.Layers(config, blobs, store.Description),
            SourceKind = sourceKind,
        };
        return new LocalImage(metadata, store, paths);
    }

    internal static string NameOf(string reference)
    {
        var colon = reference.IndexOf(':', StringComparison.Ordinal);
        var path = colon > 0 && !reference.StartsWith('/') ? reference[(colon + 1)..] : reference;
        return Path.GetFileName(path.TrimEnd('/')) is { Length: > 0 } name ? name : path;
    }
}

/// <summary>Reads `docker save` tarballs: manifest.json (legacy and current Docker), else the OCI layout inside.</summary>
internal static class DockerArchiveReader
{
    private sealed record SaveManifestEntry
    {
        [JsonPropertyName("Config")] public string? Config { get; init; }
        [JsonPropertyName("RepoTags")] public List<string>? RepoTags { get; init; }
        [JsonPropertyName("Layers")] public List<string>? Layers { get; init; }
    }

    public static LocalImage Open(string file, string reference, ImageOpenOptions options)
    {
        var store = TarBlobStore.Index(file);
        if (!store.Exists("manifest.json"))
        {
            if (store.Exists("index.json"))
            {
                return OciLayoutReader.Open(store, reference, "docker-archive", null, options);
            }

            throw new CombInputException($"{file}: not a docker save archive (no manifest.json or index.json)");
        }

        List<SaveManifestEntry> entries;
        try
        {
            entries = JsonSerializer.Deserialize<List<SaveManifestEntry>>(LocalImage.ReadAll(store, "manifest.json")) ?? [];
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{file}: manifest.json is not valid: {ex.Message}", ex);
        }

        if (entries.Count == 0)
        {
            throw new CombInputException($"{file}: manifest.json lists no images");
        }

        var entry = entries[0];
        if (entry.Config is null || entry.Layers is null)
        {
            throw new CombInputException($"{file}: manifest.json entry has no Config or Layers");
        }

        var configBytes = LocalImage.ReadAll(store, entry.Config);
        var configDigest = ImageMetadataBuilder.Sha256(configBytes);
        var config = ImageMetadataBuilder.ParseConfig(configBytes, $"{file} config");
        var diffIds = config.RootFs?.DiffIds ?? [];
        var blobs = new List<(string, string, long)>();
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < entry.Layers.Count; i++)
        {
            var path = entry.Layers[i];

            // Current Docker stores layers as OCI blobs named by digest; legacy ones as <id>/layer.tar (digest = diffID).
            var digest = path.StartsWith("blobs/", StringComparison.Ordinal)
                ? path["blobs/".Length..].Replace('/', ':')
                : i < diffIds.Count ? diffIds[i] : throw new CombInputException($"{file}: config has fewer diff_ids than layers");
            using (var probe = store.Open(path))
            {
                blobs.Add((digest, MediaTypes.OciLayerTar, probe.Length));
            }

            paths[digest] = path;
        }

        var repoTag = entry.RepoTags?.FirstOrDefault();
        var metadata = new ImageMetadata
        {
            Reference = reference,
            Repository = repoTag is null ? OciLayoutReader.NameOf(reference) : repoTag[..repoTag.LastIndexOf(':')],
            Tag = repoTag?[(repoTag.LastIndexOf(':') + 1)..],
            ConfigDigest = configDigest,
            Platform = ImageMetadataBuilder.PlatformOf(config),
            Config = config,
            Layers = ImageMetadataBuilder.Layers(config, blobs, file),
            SourceKind = "docker-archive",
        };
        return new LocalImage(metadata, store, paths);
    }
}
