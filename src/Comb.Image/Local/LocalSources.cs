using Comb.Contracts;

namespace Comb.Image.Local;

/// <summary>oci:DIR[:TAG] — an OCI image layout directory.</summary>
public sealed class OciLayoutSource : IImageSource
{
    public string Kind => "oci";

    public bool CanOpen(string reference) => reference.StartsWith("oci:", StringComparison.Ordinal);

    public Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        var (dir, tag) = SplitTag(reference["oci:".Length..]);
        if (!Directory.Exists(dir))
        {
            throw new CombInputException($"OCI layout directory not found: {dir}", CombErrorKind.NotFound);
        }

        return Task.FromResult<IImage>(OciLayoutReader.Open(new DirectoryBlobStore(dir), reference, Kind, tag, options));
    }

    /// <summary>Splits "DIR:TAG"; a colon is a tag separator only when DIR (before it) exists or the rest has no slash.</summary>
    internal static (string Path, string? Tag) SplitTag(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon > 0 && !text[(colon + 1)..].Contains('/', StringComparison.Ordinal) && !Directory.Exists(text) && !File.Exists(text))
        {
            return (text[..colon], text[(colon + 1)..]);
        }

        return (text, null);
    }
}

/// <summary>oci-archive:FILE[:TAG] — a tar of an OCI image layout, read in place.</summary>
public sealed class OciArchiveSource : IImageSource
{
    public string Kind => "oci-archive";

    public bool CanOpen(string reference) => reference.StartsWith("oci-archive:", StringComparison.Ordinal);

    public Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        var (file, tag) = OciLayoutSource.SplitTag(reference["oci-archive:".Length..]);
        if (!File.Exists(file))
        {
            throw new CombInputException($"OCI archive not found: {file}", CombErrorKind.NotFound);
        }

        return Task.FromResult<IImage>(OciLayoutReader.Open(TarBlobStore.Index(file), reference, Kind, tag, options));
    }
}

/// <summary>docker-archive:FILE, or a plain path to a tarball written by `docker save`.</summary>
public sealed class DockerArchiveSource : IImageSource
{
    public string Kind => "docker-archive";

    public bool CanOpen(string reference) =>
        reference.StartsWith("docker-archive:", StringComparison.Ordinal) || File.Exists(reference);

    public Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        var file = reference.StartsWith("docker-archive:", StringComparison.Ordinal) ? reference["docker-archive:".Length..] : reference;
        if (!File.Exists(file))
        {
            throw new CombInputException($"docker archive not found: {file}", CombErrorKind.NotFound);
        }

        return Task.FromResult<IImage>(DockerArchiveReader.Open(file, reference, options));
    }
}

/// <summary>rootfs:DIR — a root filesystem or any directory, scanned as one layer.</summary>
public sealed class RootfsSource : IImageSource
{
    public string Kind => "rootfs";

    public bool CanOpen(string reference) => reference.StartsWith("rootfs:", StringComparison.Ordinal);

    public Task<IImage> OpenAsync(string reference, ImageOpenOptions options, CancellationToken cancellationToken)
    {
        var dir = Path.GetFullPath(reference["rootfs:".Length..]);
        if (!Directory.Exists(dir))
        {
            throw new CombInputException($"directory not found: {dir}", CombErrorKind.NotFound);
        }

        return Task.FromResult<IImage>(new DirectoryImage(dir, reference));
    }
}

/// <summary>A directory presented as a one-layer image; the walker reads it directly instead of a tar.</summary>
public sealed class DirectoryImage : IDirectoryImage
{
    public DirectoryImage(string root, string reference)
    {
        RootPath = root;
        var id = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("rootfs:" + root)));
        var platform = Oci.PlatformSelector.Default();
        Metadata = new ImageMetadata
        {
            Reference = reference,
            Repository = Path.GetFileName(root.TrimEnd('/')),
            ConfigDigest = id,
            Platform = platform,
            Config = new ImageConfig { Os = platform.Os, Architecture = platform.Architecture },

            // No diffID: a directory has no stable content digest, so it is never cached.
            Layers = [new LayerDescriptor { Index = 0, Digest = "dir:" + root, DiffId = "dir:" + root, MediaType = "directory" }],
            SourceKind = "rootfs",
        };
    }

    public string RootPath { get; }

    public ImageMetadata Metadata { get; }

    public Task<Stream> OpenLayerBlobAsync(LayerDescriptor layer, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A directory image is walked directly, not read as a tar.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
