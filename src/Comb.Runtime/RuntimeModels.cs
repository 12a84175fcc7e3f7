using Comb.Contracts;

namespace Comb.Runtime;

/// <summary>What `comb runtime scan` found: every running container with its drift and privilege findings.</summary>
public sealed record RuntimeReport
{
    /// <summary>The Podman/CRI-O store read, when one was.</summary>
    public string? StorageRoot { get; init; }

    /// <summary>The containerd socket asked, when one was.</summary>
    public string? ContainerdAddress { get; init; }
    public required IReadOnlyList<ContainerReport> Containers { get; init; }
}

public sealed record ContainerReport
{
    public required string Id { get; init; }

    /// <summary>podman (Podman/CRI-O storage) or containerd.</summary>
    public required string Runtime { get; init; }

    /// <summary>The containerd namespace (containerd only).</summary>
    public string? Namespace { get; init; }
    public string? Name { get; init; }

    /// <summary>The image name the container was created from, as given (may be a mutable tag).</summary>
    public string? Image { get; init; }
    public string? ImageId { get; init; }

    /// <summary>Manifest digest of the image in the store, when the store recorded one.</summary>
    public string? ImageDigest { get; init; }
    public int? Pid { get; init; }
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>True when files were added, changed or deleted since the image.</summary>
    public bool Drifted => Drift.Count > 0;

    /// <summary>True when the container names its image by tag rather than by digest.</summary>
    public bool MutableImageReference { get; init; }

    /// <summary>
    /// Immutability findings: <c>mutable-image-reference</c> (the image is named by a tag that can move) and
    /// <c>drifted</c> (files changed since the image); empty for a container that is what was scanned.
    /// </summary>
    public IReadOnlyList<string> Immutability =>
        [.. (MutableImageReference ? ["mutable-image-reference"] : Array.Empty<string>()), .. (Drifted ? ["drifted"] : Array.Empty<string>())];
    public required IReadOnlyList<DriftFinding> Drift { get; init; }
    public required IReadOnlyList<PrivilegeFinding> Privileges { get; init; }

    /// <summary>Why drift could not be computed (e.g. a snapshotter whose mounts Comb cannot read); null when it was.</summary>
    public string? DriftUnavailable { get; init; }

    /// <summary>The newest stored scan of the image's digest, when a store was given and holds one.</summary>
    public ImageScanRef? ImageScan { get; init; }
}

/// <summary>A stored image scan a running container maps to, with its finding counts.</summary>
public sealed record ImageScanRef
{
    public required string ScanId { get; init; }
    public required DateTimeOffset ScannedAt { get; init; }
    public int Critical { get; init; }
    public int High { get; init; }
    public int Malware { get; init; }
    public int Secrets { get; init; }

    /// <summary>True when this run scanned the image (it had no stored scan).</summary>
    public bool ScannedNow { get; init; }
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
