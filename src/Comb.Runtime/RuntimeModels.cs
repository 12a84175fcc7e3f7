using Comb.Contracts;

namespace Comb.Runtime;

/// <summary>What `comb runtime scan` found: every running container with its drift and privilege findings.</summary>
public sealed record RuntimeReport
{
    public required string StorageRoot { get; init; }
    public required IReadOnlyList<ContainerReport> Containers { get; init; }
}

public sealed record ContainerReport
{
    public required string Id { get; init; }
    public string? Name { get; init; }

    /// <summary>The image name the container was created from, as given (may be a mutable tag).</summary>
    public string? Image { get; init; }
    public required string ImageId { get; init; }

    /// <summary>Manifest digest of the image in the store, when the store recorded one.</summary>
    public string? ImageDigest { get; init; }
    public int? Pid { get; init; }
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>True when files were added, changed or deleted since the image.</summary>
    public bool Drifted => Drift.Count > 0;

    /// <summary>True when the container names its image by tag rather than by digest.</summary>
    public bool MutableImageReference { get; init; }
    public required IReadOnlyList<DriftFinding> Drift { get; init; }
    public required IReadOnlyList<PrivilegeFinding> Privileges { get; init; }
}

public sealed record DriftFinding
{
    /// <summary>Absolute path inside the container.</summary>
    public required string Path { get; init; }

    /// <summary>added, changed or deleted.</summary>
    public required string Change { get; init; }

    /// <summary>What makes the file interesting: executable, script, shared-library, setuid, setgid, package-file.</summary>
    public IReadOnlyList<string> Kinds { get; init; } = [];
    public long Size { get; init; }

    /// <summary>Permission bits in octal, with setuid/setgid/sticky.</summary>
    public string? Mode { get; init; }
    public string? Sha256 { get; init; }

    /// <summary>The image's version of a changed file.</summary>
    public long? ImageSize { get; init; }
    public string? ImageMode { get; init; }
    public string? ImageSha256 { get; init; }

    public Severity Severity { get; init; }
    public IReadOnlyList<MalwareFinding> Malware { get; init; } = [];
}

public sealed record PrivilegeFinding
{
    /// <summary>runs-as-root, privileged, added-capability, writable-rootfs, host-namespace, sensitive-mount, no-seccomp.</summary>
    public required string Id { get; init; }
    public required string Title { get; init; }

    public Severity Severity { get; init; }
    public string? Detail { get; init; }
}
