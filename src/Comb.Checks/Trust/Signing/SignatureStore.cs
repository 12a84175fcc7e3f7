namespace Comb.Checks.Trust.Signing;

/// <summary>One signature: the payload blob, its media type and the annotations of its layer descriptor.</summary>
public sealed record SignatureLayer(byte[] Payload, IReadOnlyDictionary<string, string> Annotations)
{
    public const string SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json";
    public const string SignatureAnnotation = "dev.cosignproject.cosign/signature";

    public string MediaType { get; init; } = SimpleSigningMediaType;
}

/// <summary>Where signatures for images live; the registry implementation keeps them under the sha256-&lt;hex&gt;.sig tag.</summary>
public interface ISignatureStore
{
    /// <summary>Every signature layer for the image digest, or an empty list when there is none.</summary>
    Task<IReadOnlyList<SignatureLayer>> GetAsync(string imageDigest, CancellationToken cancellationToken);

    /// <summary>Replaces the signature set for the image digest.</summary>
    Task PutAsync(string imageDigest, IReadOnlyList<SignatureLayer> layers, CancellationToken cancellationToken);
}

/// <summary>Signatures kept in memory (tests, and images without a registry to write to).</summary>
public sealed class InMemorySignatureStore : ISignatureStore
{
    private readonly Dictionary<string, IReadOnlyList<SignatureLayer>> _sets = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<SignatureLayer>> GetAsync(string imageDigest, CancellationToken cancellationToken)
    {
        lock (_sets)
        {
            return Task.FromResult(_sets.TryGetValue(imageDigest, out var set) ? set : (IReadOnlyList<SignatureLayer>)[]);
        }
    }

    public Task PutAsync(string imageDigest, IReadOnlyList<SignatureLayer> layers, CancellationToken cancellationToken)
    {
        lock (_sets)
        {
            _sets[imageDigest] = [.. layers];
        }

        return Task.CompletedTask;
    }
}

/// <summary>Names the signature tag for an image digest: sha256:abc -> sha256-abc.sig.</summary>
public static class SignatureTags
{
    public static string For(string imageDigest) => imageDigest.Replace(':', '-') + ".sig";
}
