using Comb.Contracts;
using Comb.Image.Oci;

namespace Comb.Image.Stores;

/// <summary>
/// containers-storage:NAME[:TAG|@DIGEST] (or an image ID) — an image in Podman/CRI-O storage, read without the
/// daemon. The manifest and config come from the image's stored data (digest-checked); each layer is rebuilt
/// as its original tar from the store's tar-split record and unpacked files, so layer digests and diffIDs are
/// the manifest's and the per-layer cache is shared with scans of the same image from anywhere else.
/// </summary>
public sealed class ContainersStorageSource : IImageSource
{
    public const string Prefix = "containers-storage:";

    public string Kind => "containers-storage";

    public bool CanOpen(string reference) => reference.StartsWith(Prefix, StringComparison.Ordinal);

    public async Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        var text = reference[Prefix.Length..];
        var wanted = StoreReference.Parse(text, Prefix);
        foreach (var store in ContainersStorage.Open(options.StorageRoot))
        {
            var images = await store.ImagesAsync(cancellationToken).ConfigureAwait(false);
            var match = Find(images, wanted, text);
            if (match is not null)
            {
                return await OpenImageAsync(store, match.Value.Image, match.Value.Name, reference, options, wanted.Digest, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new CombInputException($"containers storage ({Path.GetFullPath(options.StorageRoot ?? ContainersStorage.DefaultRoot)}): no image '{wanted}'", CombErrorKind.NotFound);
    }

    /// <summary>Opens a stored image by its ID (as a container's config names it).</summary>
    public static async Task<IImage> OpenByIdAsync(ContainersStorage store, string imageId, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        var image = (await store.ImagesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(i => i.Id == imageId)
            ?? throw new CombInputException($"{store.Root}: no image with ID {ContainersStorage.Short(imageId)}", CombErrorKind.NotFound);
        return await OpenImageAsync(store, image, image.Names?.FirstOrDefault(), Prefix + imageId, options, null, cancellationToken).ConfigureAwait(false);
    }

    private static (ContainersStorage.StoredImage Image, string? Name)? Find(List<ContainersStorage.StoredImage> images, StoreReference wanted, string text)
    {
        foreach (var image in images)
        {
            var digestOk = wanted.Digest is null || image.Digest == wanted.Digest || image.Digests?.Contains(wanted.Digest) == true;
            if (!digestOk)
            {
                continue;
            }

            if (wanted.Name.Length == 0)
            {
                return (image, image.Names?.FirstOrDefault());
            }

            if (image.Names?.FirstOrDefault(wanted.MatchesName) is { } name)
            {
                return (image, name);
            }
        }

        // An image ID or a unique prefix of at least 12 hex digits, as podman prints it.
        if (wanted.Tag is null && wanted.Digest is null && text.Length >= 12 && text.All(char.IsAsciiHexDigitLower))
        {
            var byId = images.Where(i => i.Id.StartsWith(text, StringComparison.Ordinal)).ToList();
            if (byId.Count == 1)
            {
                return (byId[0], byId[0].Names?.FirstOrDefault());
            }
        }

        return null;
    }

    private static async Task<IImage> OpenImageAsync(ContainersStorage store, ContainersStorage.StoredImage image, string? name, string reference, ImageOpenOptions options, string? digest, CancellationToken cancellationToken)
    {
        var what = $"{store.Root} image {ContainersStorage.Short(image.Id)}";
        var manifestDigest = digest ?? image.Digest;
        var manifestBytes = await ReadManifestAsync(store, image, manifestDigest, cancellationToken).ConfigureAwait(false);
        var manifest = OciManifest.Parse(manifestBytes, $"{what} manifest");
        if (MediaTypes.IsIndex(manifest.EffectiveMediaType) || (manifest.Manifests is not null && manifest.Layers is null))
        {
            // A multi-platform pull keeps the list and the chosen platform's manifest under "manifest-DIGEST".
            var platform = options.Platform ?? PlatformSelector.Default();
            var chosen = PlatformSelector.Select(manifest.Manifests ?? [], platform)
                ?? throw new CombInputException($"{what}: no manifest for platform {platform}");
            manifestDigest = chosen.Digest;
            manifestBytes = await store.BigDataAsync(image, "manifest-" + chosen.Digest, cancellationToken).ConfigureAwait(false);
            manifest = OciManifest.Parse(manifestBytes, $"{what} manifest");
        }

        if (!MediaTypes.IsImageManifest(manifest.EffectiveMediaType) || manifest.Config?.Digest is not { } configDigest)
        {
            throw new CombInputException($"{what}: unsupported manifest (media type '{manifest.EffectiveMediaType}', config {(manifest.Config is null ? "missing" : "present")})");
        }

        var configBytes = await store.BigDataAsync(image, configDigest, cancellationToken).ConfigureAwait(false);
        if (ImageMetadataBuilder.Sha256(configBytes) != configDigest)
        {
            throw new CombInputException($"{what}: stored config does not hash to {configDigest}");
        }

        var config = ImageMetadataBuilder.ParseConfig(configBytes, $"{what} config");
        var blobs = (manifest.Layers ?? []).Select(l => (
            l.Digest ?? throw new CombInputException($"{what}: a layer descriptor has no digest"),
            l.MediaType ?? MediaTypes.OciLayerTar,
            l.Size)).ToList();
        var layers = ImageMetadataBuilder.Layers(config, blobs, what);
        var layerIds = await LayerChainAsync(store, image, layers, what, cancellationToken).ConfigureAwait(false);
        var repository = name is null ? null : StoreReference.RepositoryOf(name);
        var metadata = new ImageMetadata
        {
            Reference = reference,
            Repository = repository ?? ContainersStorage.Short(image.Id),
            Tag = name is not null && name.Length > repository!.Length && name[repository.Length] == ':' ? name[(repository.Length + 1)..] : null,
            ManifestDigest = manifestDigest,
            ConfigDigest = configDigest,
            ManifestMediaType = manifest.EffectiveMediaType,
            Platform = ImageMetadataBuilder.PlatformOf(config),
            Config = config,
            Layers = layers,
            SourceKind = "containers-storage",
        };
        return new StoredImage(metadata, store, layerIds);
    }

    private static async Task<byte[]> ReadManifestAsync(ContainersStorage store, ContainersStorage.StoredImage image, string? digest, CancellationToken cancellationToken)
    {
        if (digest is not null && image.BigDataDigests?.ContainsKey("manifest-" + digest) == true)
        {
            return await store.BigDataAsync(image, "manifest-" + digest, cancellationToken).ConfigureAwait(false);
        }

        return await store.BigDataAsync(image, "manifest", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The store's layer for each manifest layer: walk parents down from the image's top layer, matched by diffID.</summary>
    private static async Task<IReadOnlyList<string>> LayerChainAsync(ContainersStorage store, ContainersStorage.StoredImage image, IReadOnlyList<LayerDescriptor> layers, string what, CancellationToken cancellationToken)
    {
        var byId = (await store.LayersAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(l => l.Id, StringComparer.Ordinal);
        var chain = new List<ContainersStorage.StoredLayer>();
        for (var id = image.TopLayer; !string.IsNullOrEmpty(id); id = byId[id].Parent)
        {
            if (!byId.ContainsKey(id) || chain.Count > 1000)
            {
                throw new CombInputException($"{what}: layer {ContainersStorage.Short(id)} is missing from layers.json or the chain loops");
            }

            chain.Add(byId[id]);
        }

        chain.Reverse();
        if (chain.Count != layers.Count)
        {
            throw new CombInputException($"{what}: the store holds {chain.Count} layers but the manifest lists {layers.Count}");
        }

        for (var i = 0; i < chain.Count; i++)
        {
            if (!string.Equals(chain[i].DiffDigest, layers[i].DiffId, StringComparison.Ordinal))
            {
                throw new CombInputException($"{what}: stored layer {i} has diff digest {chain[i].DiffDigest}, the config says {layers[i].DiffId}");
            }
        }

        return [.. chain.Select(l => l.Id)];
    }

    /// <summary>An image in containers storage; each layer opens as its rebuilt, uncompressed tar.</summary>
    private sealed class StoredImage(ImageMetadata metadata, ContainersStorage store, IReadOnlyList<string> layerIds) : IImage
    {
        public ImageMetadata Metadata => metadata;

        public Task<Stream> OpenLayerBlobAsync(LayerDescriptor layer, CancellationToken cancellationToken)
        {
            if (layer.Index < 0 || layer.Index >= layerIds.Count || metadata.Layers[layer.Index].DiffId != layer.DiffId)
            {
                throw new CombInputException($"{store.Root}: unknown layer {layer.DiffId}");
            }

            // The rebuilt tar is verified against the diffID by the layer reader as it streams.
            var id = layerIds[layer.Index];
            return Task.FromResult<Stream>(TarSplitStream.Open(store.TarSplitFile(id), store.LayerDirectory(id), $"{store.Root} layer {ContainersStorage.Short(id)}"));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
