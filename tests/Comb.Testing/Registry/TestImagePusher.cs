using Comb.Image.Registry;

namespace Comb.Testing.Registry;

/// <summary>Pushes images built in code with Comb's own registry client (monolithic or chunked blob uploads).</summary>
public static class TestImagePusher
{
    /// <summary>Pushes layers, config and manifest under <paramref name="tag"/>; returns the manifest digest.</summary>
    public static async Task<string> PushAsync(RegistryClient client, string repository, string tag, PushableImage image, bool chunked = false, CancellationToken cancellationToken = default)
    {
        foreach (var layer in image.Layers)
        {
            await PushBlobAsync(client, repository, layer.Digest, layer.Blob, chunked, cancellationToken);
        }

        await PushBlobAsync(client, repository, image.ConfigDigest, image.Config, chunked, cancellationToken);
        var digest = await client.PutManifestAsync(repository, tag, image.ManifestMediaType, image.Manifest, cancellationToken);
        if (digest != image.ManifestDigest)
        {
            throw new InvalidOperationException($"pushed manifest digest {digest} differs from the built one {image.ManifestDigest}");
        }

        return digest;
    }

    /// <summary>Pushes every image by digest, then an index over them under <paramref name="tag"/>; returns the index digest.</summary>
    public static async Task<string> PushIndexAsync(RegistryClient client, string repository, string tag, IReadOnlyList<PushableImage> images, bool docker = false, CancellationToken cancellationToken = default)
    {
        foreach (var image in images)
        {
            await PushAsync(client, repository, image.ManifestDigest, image, cancellationToken: cancellationToken);
        }

        var (content, digest, mediaType) = PushableImageBuilder.IndexOf(images, docker);
        await client.PutManifestAsync(repository, tag, mediaType, content, cancellationToken);
        return digest;
    }

    private static async Task PushBlobAsync(RegistryClient client, string repository, string digest, byte[] blob, bool chunked, CancellationToken cancellationToken)
    {
        if (await client.BlobExistsAsync(repository, digest, cancellationToken))
        {
            return;
        }

        if (chunked)
        {
            // Small chunks so even a tiny test layer takes several PATCH requests.
            await client.PushBlobChunkedAsync(repository, digest, blob, chunkSize: Math.Max(16, blob.Length / 3), cancellationToken);
        }
        else
        {
            await client.PushBlobAsync(repository, digest, blob, cancellationToken);
        }
    }
}
