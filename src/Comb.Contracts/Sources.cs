namespace Comb.Contracts;

/// <summary>How to reach an image: platform choice, registry credentials and transport.</summary>
public sealed record ImageOpenOptions
{
    public ImagePlatform? Platform { get; init; }
    public bool InsecureRegistry { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>Credentials for this request only, by registry host; the first place looked (before the flags, the environment and the Docker config).</summary>
    public IReadOnlyDictionary<string, RegistryCredential> RegistryCredentials { get; init; } = new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Docker config.json to read credentials from; default ~/.docker/config.json (or $DOCKER_CONFIG).</summary>
    public string? DockerConfigPath { get; init; }

    /// <summary>Directory for temporary files a source may need (e.g. an archive's index); inside the cache.</summary>
    public string? TempDir { get; init; }

    /// <summary>Podman/CRI-O storage root for containers-storage: references; default /var/lib/containers/storage.</summary>
    public string? StorageRoot { get; init; }

    /// <summary>containerd root for containerd: references; default /var/lib/containerd.</summary>
    public string? ContainerdRoot { get; init; }

    /// <summary>containerd namespace for containerd: references; default "default".</summary>
    public string? ContainerdNamespace { get; init; }
}

/// <summary>An opened image: its metadata and verified access to its layers.</summary>
public interface IImage : IAsyncDisposable
{
    ImageMetadata Metadata { get; }

    /// <summary>
    /// Opens the layer blob as stored (possibly compressed). The stream verifies the blob digest as it is read
    /// and throws <see cref="CombInputException"/> at the end on a mismatch or a short read.
    /// </summary>
    Task<Stream> OpenLayerBlobAsync(LayerDescriptor layer, CancellationToken cancellationToken);
}

/// <summary>An image whose single "layer" is a directory on disk (rootfs:DIR, a source tree).</summary>
public interface IDirectoryImage : IImage
{
    string RootPath { get; }
}

/// <summary>One kind of place images come from: registry, OCI layout, docker-archive, oci-archive, rootfs.</summary>
public interface IImageSource
{
    string Kind { get; }

    /// <summary>Whether this source understands the reference (by prefix or by what is on disk).</summary>
    bool CanOpen(string reference);

    Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken);
}

/// <summary>Gives the analyzers for one scan; analyzers may depend on the scan's options (secret rules, clamd address).</summary>
public interface IAnalyzerProvider
{
    /// <summary>Analyzers for one scan. The scan owns them: those that are disposable are disposed when it ends.</summary>
    IEnumerable<IFileAnalyzer> CreateFileAnalyzers(ScanOptions options);

    IEnumerable<IConfigAnalyzer> CreateConfigAnalyzers(ScanOptions options) => [];

    IEnumerable<IPostAnalyzer> CreatePostAnalyzers(ScanOptions options) => [];
}
