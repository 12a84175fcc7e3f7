using System.Text.Json;
using Comb.Contracts;
using Comb.Image.Oci;
using Comb.Image.Registry;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Comb.Server.Admission;

/// <summary>An image pinned to the manifest the scanner reads: <c>registry/repository@sha256:...</c> of the chosen platform.</summary>
public sealed record PinnedImage(string Reference, string Registry, string Repository, string Digest)
{
    public string Pinned => $"{Registry}/{Repository}@{Digest}";
}

/// <summary>
/// Resolves a pod's image reference to the digest of the manifest a node would run: a HEAD on the tag (no pull, no
/// Docker Hub rate count), and for a multi-platform index the platform's manifest. Answers are kept briefly, because a
/// tag can move; a reference that already names a digest is only resolved further when it is an index.
/// </summary>
public sealed class DigestResolver(RegistryTransport transport, RegistryCredentialResolver credentials, AdmissionCache cache, IOptions<AdmissionSettings> settings, TimeProvider time)
{
    public async Task<PinnedImage> ResolveAsync(string image, CancellationToken cancellationToken)
    {
        if (!RegistryReference.TryParse(image, out var parsed) || parsed is null)
        {
            throw new CombInputException($"'{image}' is not a valid image reference");
        }

        var key = "admission-digest:" + parsed;
        if (cache.TryGetValue(key, out PinnedImage? known) && known is not null)
        {
            return known;
        }

        using var client = await ClientAsync(parsed, cancellationToken).ConfigureAwait(false);
        var head = await client.HeadManifestAsync(parsed.Repository, parsed.ManifestReference, cancellationToken).ConfigureAwait(false);
        var digest = head.Digest ?? parsed.Digest;
        var mediaType = head.MediaType;
        if (digest is null || MediaTypes.IsIndex(mediaType) || mediaType.Length == 0)
        {
            // No digest header, or an index: read the manifest itself (digest checked) and pick the platform.
            var manifest = await client.GetManifestAsync(parsed.Repository, digest ?? parsed.ManifestReference, cancellationToken).ConfigureAwait(false);
            digest = manifest.Digest;
            if (MediaTypes.IsIndex(manifest.MediaType))
            {
                digest = ChoosePlatform(parsed, manifest);
            }
        }

        var pinned = new PinnedImage(image, parsed.Registry, parsed.Repository, digest);

        // A digest reference never changes; a tag is trusted only briefly.
        var lifetime = parsed.Digest is null ? TimeSpan.FromSeconds(settings.Value.DigestCacheSeconds) : TimeSpan.FromHours(1);
        if (lifetime > TimeSpan.Zero)
        {
            cache.Set(key, pinned, new MemoryCacheEntryOptions { AbsoluteExpiration = time.GetUtcNow() + lifetime, Size = 1 });
        }

        return pinned;
    }

    private string ChoosePlatform(RegistryReference reference, ManifestResponse index)
    {
        var entries = JsonSerializer.Deserialize<ImageIndex>(index.Content)?.Manifests ?? [];
        var platform = settings.Value.Platform is { } p ? PlatformSelector.Parse(p) : PlatformSelector.Default();
        var chosen = PlatformSelector.Select(entries, platform);
        if (chosen?.Digest is not { } digest || RegistryReference.ValidateDigest(digest) is not null)
        {
            throw new CombInputException($"{reference}: no image for platform {platform} in the index {index.Digest}");
        }

        return digest;
    }

    private async Task<RegistryClient> ClientAsync(RegistryReference reference, CancellationToken cancellationToken)
    {
        var options = settings.Value;
        var open = new ImageOpenOptions { InsecureRegistry = options.InsecureRegistry, Username = options.Username, Password = options.Password };
        var found = await credentials.ResolveAsync(reference.Registry, open, cancellationToken).ConfigureAwait(false);

        // Lookups must fit in the review's budget: one quick attempt, no long retry ladder.
        return new RegistryClient(reference.ApiHost, new RegistryClientOptions
        {
            Insecure = options.InsecureRegistry,
            Credentials = found,
            MaxAttempts = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            RequestTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
        }, transport);
    }
}
