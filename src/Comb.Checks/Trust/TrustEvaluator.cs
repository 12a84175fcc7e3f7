using Comb.Checks.Policy;
using Comb.Checks.Trust.Signing;
using Comb.Contracts;

namespace Comb.Checks.Trust;

/// <summary>Finds the signature store for an image (the image's own registry repository), or none.</summary>
public interface ISignatureStoreFactory
{
    /// <summary>Null when the image has no place signatures could live (an archive, a directory).</summary>
    ISignatureStore? ForImage(ImageMetadata image, ScanOptions options);
}

/// <summary>Used when no registry client is available: no image has a signature store.</summary>
public sealed class NoSignatureStores : ISignatureStoreFactory
{
    public ISignatureStore? ForImage(ImageMetadata image, ScanOptions options) => null;
}

/// <summary>
/// Evaluates a trust policy for one image. Base-image rule: a trusted base matches when the image's manifest digest
/// equals its digest (the image is that base) or the image's rootfs diffIDs begin with the base's diffID chain
/// (the image was built FROM it; layer content is what diffIDs pin, unlike tags).
/// </summary>
public sealed class TrustEvaluator
{
    private readonly ISignatureStoreFactory _stores;

    public TrustEvaluator(ISignatureStoreFactory stores)
    {
        _stores = stores;
    }

    public async Task<TrustResult> EvaluateAsync(TrustPolicy policy, ImageMetadata image, ScanOptions options, CancellationToken cancellationToken)
    {
        var reasons = new List<string>();
        var trusted = true;

        if (policy.Registries.Count > 0)
        {
            var name = RepositoryName(image);
            var match = policy.Registries.FirstOrDefault(g => g.IsMatch(name));
            if (match is not null)
            {
                reasons.Add($"registry: {name} matches trusted pattern '{match.Pattern}'");
            }
            else
            {
                trusted = false;
                reasons.Add($"registry: {name} matches none of the trusted patterns ({string.Join(", ", policy.Registries.Select(g => g.Pattern))})");
            }
        }

        if (policy.BaseImages.Count > 0)
        {
            var diffIds = image.Config.RootFs?.DiffIds ?? image.Layers.Select(l => l.DiffId).ToList();
            var match = policy.BaseImages.FirstOrDefault(b => IsBuiltOn(b, image, diffIds));
            if (match is not null)
            {
                reasons.Add(match.Digest is not null && match.Digest == image.ManifestDigest
                    ? $"base image: the image is trusted base '{match.Name}' ({match.Digest})"
                    : $"base image: the first {match.DiffIds.Count} layer(s) match trusted base '{match.Name}'");
            }
            else
            {
                trusted = false;
                reasons.Add($"base image: not built on any trusted base ({string.Join(", ", policy.BaseImages.Select(b => b.Name))})");
            }
        }

        var status = SignatureStatuses.NotChecked;
        string? keyName = null;
        if (policy.Keys.Count > 0)
        {
            var check = await CheckSignatureAsync(policy, image, options, cancellationToken).ConfigureAwait(false);
            status = check.Status;
            keyName = check.KeyName is null ? null : $"{check.KeyName} ({check.KeyFingerprint})";
            if (check.Status != SignatureStatuses.Valid)
            {
                trusted = false;
            }

            reasons.Add($"signature: {check.Status}" + (check.Details.Count > 0 ? " - " + string.Join("; ", check.Details) : ""));
        }

        if (policy.IsEmpty)
        {
            reasons.Add("the trust policy has no rules");
        }

        return new TrustResult { Trusted = trusted, Reasons = reasons, SignatureStatus = status, SignatureKey = keyName };
    }

    private async Task<SignatureCheck> CheckSignatureAsync(TrustPolicy policy, ImageMetadata image, ScanOptions options, CancellationToken cancellationToken)
    {
        if (image.ManifestDigest is not { } digest)
        {
            return new SignatureCheck(SignatureStatuses.Missing, null, null, ["the image has no manifest digest to look signatures up by"]);
        }

        var store = _stores.ForImage(image, options);
        if (store is null)
        {
            return new SignatureCheck(SignatureStatuses.Missing, null, null, [$"signatures are looked up in a registry; this image came from a {image.SourceKind}"]);
        }

        var keys = policy.Keys.Select(k => (k.Name, PublicKeys.Parse(k.Pem))).ToList();
        return await CosignSignatures.VerifyAsync(store, digest, keys, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsBuiltOn(TrustedBase b, ImageMetadata image, IReadOnlyList<string> diffIds)
    {
        if (b.Digest is not null && string.Equals(b.Digest, image.ManifestDigest, StringComparison.Ordinal))
        {
            return true;
        }

        return b.DiffIds.Count > 0 && b.DiffIds.Count <= diffIds.Count
            && b.DiffIds.Select((d, i) => string.Equals(d, diffIds[i], StringComparison.Ordinal)).All(x => x);
    }

    /// <summary>registry/repository as patterns see it (docker.io/library/debian), or the repository for local sources.</summary>
    public static string RepositoryName(ImageMetadata image) =>
        image.Registry is { } reg && image.Repository is { } repo ? $"{reg}/{repo}" : image.Repository ?? image.Reference;
}
