using Comb.Contracts;
using Comb.Checks.Policy;

namespace Comb.Checks.Trust;

/// <summary>A base image the policy vouches for: by manifest digest, or by the diffIDs of its layers.</summary>
public sealed record TrustedBase
{
    public required string Name { get; init; }

    /// <summary>Manifest digest of the base image itself (matches when the scanned image is that image).</summary>
    public string? Digest { get; init; }

    /// <summary>The base image's rootfs diffIDs; matches when the scanned image's diffIDs start with this chain.</summary>
    public IReadOnlyList<string> DiffIds { get; init; } = [];
}

/// <summary>A public key whose signature makes an image trusted.</summary>
public sealed record TrustedKey
{
    public required string Name { get; init; }
    public required string Pem { get; init; }
}

/// <summary>
/// Which images Comb trusts. Every configured part must hold: the image's registry/repository matches one
/// registry glob; its base is one of the trusted bases; it carries a valid signature by one of the keys.
/// A part with nothing configured is not evaluated.
/// </summary>
public sealed record TrustPolicy
{
    public IReadOnlyList<Glob> Registries { get; init; } = [];
    public IReadOnlyList<TrustedBase> BaseImages { get; init; } = [];
    public IReadOnlyList<TrustedKey> Keys { get; init; } = [];

    public bool IsEmpty => Registries.Count == 0 && BaseImages.Count == 0 && Keys.Count == 0;
}
