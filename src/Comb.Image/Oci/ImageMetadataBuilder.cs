using System.Text.Json;
using Comb.Contracts;

namespace Comb.Image.Oci;

/// <summary>Builds <see cref="ImageMetadata"/> from a parsed config and the layer descriptors of a manifest.</summary>
public static class ImageMetadataBuilder
{
    public static ImageConfig ParseConfig(ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ImageConfigJson.Default.ImageConfig) ?? throw new CombInputException($"{what}: empty image config");
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"{what}: not a valid image config: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Pairs blob descriptors with diffIDs from the config and with the history lines of non-empty layers.
    /// </summary>
    public static IReadOnlyList<LayerDescriptor> Layers(ImageConfig config, IReadOnlyList<(string Digest, string MediaType, long Size)> blobs, string what)
    {
        var diffIds = config.RootFs?.DiffIds ?? [];
        if (diffIds.Count != blobs.Count)
        {
            throw new CombInputException($"{what}: the manifest lists {blobs.Count} layers but the config has {diffIds.Count} diff_ids");
        }

        var createdBy = (config.History ?? []).Where(h => !h.EmptyLayer).Select(h => h.CreatedBy).ToList();
        var layers = new List<LayerDescriptor>(blobs.Count);
        for (var i = 0; i < blobs.Count; i++)
        {
            layers.Add(new LayerDescriptor
            {
                Index = i,
                Digest = blobs[i].Digest,
                DiffId = diffIds[i],
                MediaType = blobs[i].MediaType,
                Size = blobs[i].Size,
                CreatedBy = i < createdBy.Count ? createdBy[i] : null,
            });
        }

        return layers;
    }

    public static ImagePlatform PlatformOf(ImageConfig config) =>
        new(config.Os ?? "linux", config.Architecture ?? "unknown", string.IsNullOrEmpty(config.Variant) ? null : config.Variant);

    public static string Sha256(ReadOnlySpan<byte> data) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
}
