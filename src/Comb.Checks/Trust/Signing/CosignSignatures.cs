using Comb.Contracts;

namespace Comb.Checks.Trust.Signing;

/// <summary>valid, invalid, missing (the values <see cref="TrustResult.SignatureStatus"/> uses).</summary>
public static class SignatureStatuses
{
    public const string Valid = "valid";
    public const string Invalid = "invalid";
    public const string Missing = "missing";
    public const string NotChecked = "not-checked";
}

/// <summary>The outcome of checking an image's signatures against trusted keys.</summary>
public sealed record SignatureCheck(string Status, string? KeyName, string? KeyFingerprint, IReadOnlyList<string> Details);

/// <summary>Signs and verifies images the way cosign's key-based, tag-stored signatures work.</summary>
public static class CosignSignatures
{
    /// <summary>Adds a signature for the image digest to the store (keeping any earlier signatures).</summary>
    public static async Task<SignatureLayer> SignAsync(ISignatureStore store, string dockerReference, string imageDigest, SigningKey key,
        IReadOnlyDictionary<string, string>? annotations, CancellationToken cancellationToken)
    {
        var payload = SimpleSigningPayload.Create(dockerReference, imageDigest, annotations);
        var signature = key.Sign(payload);
        var layer = new SignatureLayer(payload, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SignatureLayer.SignatureAnnotation] = Convert.ToBase64String(signature),
        });
        var existing = await store.GetAsync(imageDigest, cancellationToken).ConfigureAwait(false);
        await store.PutAsync(imageDigest, [.. existing, layer], cancellationToken).ConfigureAwait(false);
        return layer;
    }

    public static async Task<SignatureCheck> VerifyAsync(ISignatureStore store, string imageDigest,
        IReadOnlyList<(string Name, VerificationKey Key)> keys, CancellationToken cancellationToken)
    {
        var layers = await store.GetAsync(imageDigest, cancellationToken).ConfigureAwait(false);
        return Verify(layers, imageDigest, keys);
    }

    /// <summary>Valid when at least one layer carries a signature one of the keys made over a payload naming this digest.</summary>
    public static SignatureCheck Verify(IReadOnlyList<SignatureLayer> layers, string imageDigest, IReadOnlyList<(string Name, VerificationKey Key)> keys)
    {
        var details = new List<string>();
        var signatures = layers.Where(l => l.MediaType == SignatureLayer.SimpleSigningMediaType).ToList();
        if (signatures.Count == 0)
        {
            return new SignatureCheck(SignatureStatuses.Missing, null, null, [$"no signature stored under {SignatureTags.For(imageDigest)}"]);
        }

        for (var i = 0; i < signatures.Count; i++)
        {
            var layer = signatures[i];
            if (!layer.Annotations.TryGetValue(SignatureLayer.SignatureAnnotation, out var encoded))
            {
                details.Add($"signature {i}: layer has no {SignatureLayer.SignatureAnnotation} annotation");
                continue;
            }

            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(encoded);
            }
            catch (FormatException)
            {
                details.Add($"signature {i}: the signature annotation is not base64");
                continue;
            }

            var signer = keys.FirstOrDefault(k => k.Key.Verify(layer.Payload, signature));
            if (signer.Key is null)
            {
                details.Add($"signature {i}: not made by any trusted key ({string.Join(", ", keys.Select(k => k.Name))}) or the payload was altered");
                continue;
            }

            SimpleSigningPayload payload;
            try
            {
                payload = SimpleSigningPayload.Parse(layer.Payload);
            }
            catch (FormatException e)
            {
                details.Add($"signature {i}: signed by {signer.Name} but the payload is malformed: {e.Message}");
                continue;
            }

            if (payload.Type != SimpleSigningPayload.CosignType)
            {
                details.Add($"signature {i}: payload type is '{payload.Type}', not a cosign image signature");
                continue;
            }

            if (!string.Equals(payload.ManifestDigest, imageDigest, StringComparison.Ordinal))
            {
                details.Add($"signature {i}: signed by {signer.Name} for {payload.ManifestDigest}, not this image ({imageDigest})");
                continue;
            }

            details.Add($"signature {i}: valid, signed by {signer.Name} ({signer.Key.Algorithm}, {signer.Key.Fingerprint})");
            return new SignatureCheck(SignatureStatuses.Valid, signer.Name, signer.Key.Fingerprint, details);
        }

        return new SignatureCheck(SignatureStatuses.Invalid, null, null, details);
    }
}
