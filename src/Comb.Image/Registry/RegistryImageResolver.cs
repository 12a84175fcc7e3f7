using System.Text.Json;
using Comb.Contracts;
using Comb.Image.Oci;

namespace Comb.Image.Registry;

/// <summary>
/// Turns a reference into <see cref="ImageMetadata"/>: tag or digest -> manifest (digest checked), index ->
/// the platform's manifest, then the config blob (digest checked) for diff IDs and history.
/// </summary>
internal sealed class RegistryImageResolver(RegistryClient client, RegistryReference reference, ImagePlatform platform)
{
    private const int MaxIndexDepth = 4;

    public async Task<ImageMetadata> ResolveAsync(CancellationToken cancellationToken)
    {
        var manifest = await client.GetManifestAsync(reference.Repository, reference.ManifestReference, cancellationToken).ConfigureAwait(false);
        string? indexDigest = null;
        for (var depth = 0; MediaTypes.IsIndex(manifest.MediaType); depth++)
        {
            if (depth >= MaxIndexDepth)
            {
                throw new CombInputException($"{reference}: image indexes nested more than {MaxIndexDepth} deep", CombErrorKind.LimitExceeded);
            }

            indexDigest ??= manifest.Digest;
            var chosen = ChoosePlatform(manifest);
            manifest = await client.GetManifestAsync(reference.Repository, chosen.Digest!, cancellationToken).ConfigureAwait(false);
        }

        if (!MediaTypes.IsImageManifest(manifest.MediaType))
        {
            throw new CombInputException(
                $"{reference}: unsupported manifest media type '{manifest.MediaType}' (supported: {string.Join(", ", MediaTypes.AcceptedManifests)})");
        }

        var image = Deserialize(manifest.Content, RegistryJsonContext.Default.ImageManifest, "image manifest");
        var configDescriptor = CheckConfigDescriptor(image);
        var layers = image.Layers ?? [];
        for (var i = 0; i < layers.Count; i++)
        {
            CheckLayer(layers[i], i);
        }

        var configBytes = await client.GetVerifiedBlobAsync(reference.Repository, configDescriptor.Digest!, configDescriptor.Size, cancellationToken).ConfigureAwait(false);
        ImageConfig config;
        try
        {
            config = JsonSerializer.Deserialize<ImageConfig>(configBytes)
                ?? throw new CombInputException($"{reference}: the image config is JSON null");
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{reference}: the image config {configDescriptor.Digest} is not valid JSON: {ex.Message}", ex);
        }

        var diffIds = config.RootFs?.DiffIds ?? [];
        if (diffIds.Count != layers.Count)
        {
            throw new CombInputException(
                $"{reference}: the manifest lists {layers.Count} layers but the config has {diffIds.Count} rootfs.diff_ids");
        }

        var history = (config.History ?? []).Where(h => !h.EmptyLayer).ToList();
        var descriptors = new List<LayerDescriptor>(layers.Count);
        for (var i = 0; i < layers.Count; i++)
        {
            if (RegistryReference.ValidateDigest(diffIds[i]) is { } problem)
            {
                throw new CombInputException($"{reference}: rootfs.diff_ids[{i}]: {problem}");
            }

            descriptors.Add(new LayerDescriptor
            {
                Index = i,
                Digest = layers[i].Digest!,
                DiffId = diffIds[i],
                MediaType = MediaTypes.Normalize(layers[i].MediaType),
                Size = layers[i].Size,
                CreatedBy = i < history.Count && !string.IsNullOrEmpty(history[i].CreatedBy) ? history[i].CreatedBy : null,
            });
        }

        return new ImageMetadata
        {
            Reference = reference.Original,
            Registry = reference.Registry,
            Repository = reference.Repository,
            Tag = reference.Tag,
            ManifestDigest = manifest.Digest,
            IndexDigest = indexDigest,
            ConfigDigest = configDescriptor.Digest!,
            ManifestMediaType = manifest.MediaType,
            Platform = new ImagePlatform(
                config.Os ?? platform.Os,
                config.Architecture ?? platform.Architecture,
                string.IsNullOrEmpty(config.Variant) ? null : config.Variant),
            Config = config,
            Layers = descriptors,
            SourceKind = RegistryImageSource.SourceKind,
        };
    }

    private Descriptor ChoosePlatform(ManifestResponse indexResponse)
    {
        var index = Deserialize(indexResponse.Content, RegistryJsonContext.Default.ImageIndex, "image index");
        var entries = index.Manifests ?? [];
        var chosen = PlatformSelector.Select(entries, platform);
        if (chosen is null)
        {
            var available = PlatformSelector.Describe(entries);
            throw new CombInputException(
                $"{reference}: no image for platform {platform} in the index {indexResponse.Digest} (available: {(available.Length == 0 ? "none" : available)}); choose one with --platform");
        }

        if (chosen.Digest is null || RegistryReference.ValidateDigest(chosen.Digest) is not null)
        {
            throw new CombInputException($"{reference}: the index entry for {platform} has an invalid digest '{chosen.Digest}'");
        }

        return chosen;
    }

    private Descriptor CheckConfigDescriptor(ImageManifest manifest)
    {
        var config = manifest.Config ?? throw new CombInputException($"{reference}: the image manifest has no config descriptor");
        if (config.Digest is null || RegistryReference.ValidateDigest(config.Digest) is { } problem && problem.Length > 0)
        {
            throw new CombInputException($"{reference}: the config descriptor has an invalid digest '{config.Digest}'");
        }

        var mediaType = MediaTypes.Normalize(config.MediaType);
        if (!MediaTypes.IsImageConfig(mediaType))
        {
            var artifact = manifest.ArtifactType ?? mediaType;
            throw new CombInputException($"{reference}: this is not a container image but an artifact of type '{artifact}' (config media type '{mediaType}')");
        }

        return config;
    }

    private void CheckLayer(Descriptor layer, int index)
    {
        var mediaType = MediaTypes.Normalize(layer.MediaType);
        if (layer.Digest is null || RegistryReference.ValidateDigest(layer.Digest) is not null)
        {
            throw new CombInputException($"{reference}: layer {index} has an invalid digest '{layer.Digest}'");
        }

        if (MediaTypes.IsForeignLayer(mediaType))
        {
            throw new CombInputException(
                $"{reference}: layer {index} ({layer.Digest}) is a foreign/non-distributable layer ({mediaType}) that registries do not serve; Comb cannot scan images built on such layers (Windows base images)");
        }

        if (!MediaTypes.IsReadableLayer(mediaType))
        {
            throw new CombInputException($"{reference}: layer {index} has unsupported media type '{mediaType}' (expected a tar, tar+gzip or tar+zstd layer)");
        }

        if (layer.Size < 0)
        {
            throw new CombInputException($"{reference}: layer {index} declares a negative size");
        }
    }

    private T Deserialize<T>(byte[] content, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(content, type) ?? throw new CombInputException($"{reference}: the {what} is JSON null");
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{reference}: the {what} is not valid: {ex.Message}", ex);
        }
    }
}
