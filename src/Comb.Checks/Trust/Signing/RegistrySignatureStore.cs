using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Comb.Image.Oci;
using Comb.Image.Registry;

namespace Comb.Checks.Trust.Signing;

/// <summary>
/// Cosign's classic storage: an OCI image manifest tagged sha256-&lt;hex&gt;.sig in the image's repository, one layer
/// per signature (the payload blob, with the base64 signature in the layer annotation), and a small config blob.
/// </summary>
public sealed class RegistrySignatureStore : ISignatureStore
{
    private const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    private const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    private const long MaxPayloadBytes = 1024 * 1024;

    /// <summary>Writes media types like "...v1+json" as is, the way Go tools do, instead of escaping '+'.</summary>
    private static readonly JsonSerializerOptions Raw = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly RegistryClient _client;
    private readonly string _repository;

    public RegistrySignatureStore(RegistryClient client, string repository)
    {
        _client = client;
        _repository = repository;
    }

    public async Task<IReadOnlyList<SignatureLayer>> GetAsync(string imageDigest, CancellationToken cancellationToken)
    {
        ManifestResponse manifest;
        try
        {
            manifest = await _client.GetManifestAsync(_repository, SignatureTags.For(imageDigest), cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return []; // no .sig tag: the image is unsigned
        }

        ImageManifest parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<ImageManifest>(manifest.Content) ?? throw new JsonException("empty manifest");
        }
        catch (JsonException e)
        {
            throw new RegistryException($"signature manifest {_client.Host}/{_repository}:{SignatureTags.For(imageDigest)} is not valid JSON: {e.Message}");
        }

        var layers = new List<SignatureLayer>();
        foreach (var descriptor in parsed.Layers ?? [])
        {
            if (descriptor.Digest is null || descriptor.Size > MaxPayloadBytes)
            {
                continue;
            }

            // The blob is verified against its digest, so the payload is exactly the bytes the signer signed.
            var payload = await _client.GetVerifiedBlobAsync(_repository, descriptor.Digest, descriptor.Size, cancellationToken).ConfigureAwait(false);
            layers.Add(new SignatureLayer(payload, descriptor.Annotations ?? new Dictionary<string, string>())
            {
                MediaType = descriptor.MediaType ?? "",
            });
        }

        return layers;
    }

    public async Task PutAsync(string imageDigest, IReadOnlyList<SignatureLayer> layers, CancellationToken cancellationToken)
    {
        var descriptors = new JsonArray();
        var diffIds = new JsonArray();
        foreach (var layer in layers)
        {
            var digest = Digest(layer.Payload);
            await PushIfMissingAsync(digest, layer.Payload, cancellationToken).ConfigureAwait(false);
            var annotations = new JsonObject();
            foreach (var (k, v) in layer.Annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                annotations[k] = v;
            }

            descriptors.Add(new JsonObject
            {
                ["mediaType"] = layer.MediaType,
                ["size"] = layer.Payload.Length,
                ["digest"] = digest,
                ["annotations"] = annotations,
            });
            diffIds.Add(digest);
        }

        var config = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["architecture"] = "",
            ["os"] = "",
            ["config"] = new JsonObject(),
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        }, Raw);
        var configDigest = Digest(config);
        await PushIfMissingAsync(configDigest, config, cancellationToken).ConfigureAwait(false);

        var manifest = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestMediaType,
            ["config"] = new JsonObject { ["mediaType"] = ConfigMediaType, ["size"] = config.Length, ["digest"] = configDigest },
            ["layers"] = descriptors,
        }, Raw);
        await _client.PutManifestAsync(_repository, SignatureTags.For(imageDigest), ManifestMediaType, manifest, cancellationToken).ConfigureAwait(false);
    }

    private async Task PushIfMissingAsync(string digest, byte[] data, CancellationToken cancellationToken)
    {
        if (!await _client.BlobExistsAsync(_repository, digest, cancellationToken).ConfigureAwait(false))
        {
            await _client.PushBlobAsync(_repository, digest, data, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
}
