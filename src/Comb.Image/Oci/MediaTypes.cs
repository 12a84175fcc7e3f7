namespace Comb.Image.Oci;

/// <summary>Media types of manifests, configs and layers, for registries and local layouts alike.</summary>
public static class MediaTypes
{
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayerTar = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciNonDistributablePrefix = "application/vnd.oci.image.layer.nondistributable.";

    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    /// <summary>The Accept header for manifest requests: every manifest and index type we can read.</summary>
    public static readonly IReadOnlyList<string> AcceptedManifests = [OciIndex, OciManifest, DockerManifestList, DockerManifest];

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsImageManifest(string mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsImageConfig(string mediaType) => mediaType is OciConfig or DockerConfig;

    public static bool IsReadableLayer(string mediaType) =>
        mediaType is OciLayerTar or OciLayerGzip or OciLayerZstd or DockerLayerGzip or DockerLayerTar;

    /// <summary>Any layer type, OCI or Docker, tar/gzip/zstd, including non-distributable and foreign ones.</summary>
    public static bool IsLayer(string? mediaType) => mediaType is not null &&
        (mediaType.StartsWith("application/vnd.oci.image.layer.", StringComparison.Ordinal)
         || mediaType.StartsWith("application/vnd.docker.image.rootfs.", StringComparison.Ordinal));

    public static bool IsForeignLayer(string mediaType) =>
        mediaType == DockerForeignLayerGzip || mediaType.StartsWith(OciNonDistributablePrefix, StringComparison.Ordinal);

    /// <summary>The media type without parameters (<c>; charset=utf-8</c>) and in lowercase.</summary>
    public static string Normalize(string? mediaType)
    {
        if (string.IsNullOrWhiteSpace(mediaType))
        {
            return string.Empty;
        }

        var semicolon = mediaType.IndexOf(';', StringComparison.Ordinal);
        var bare = semicolon >= 0 ? mediaType[..semicolon] : mediaType;
        return bare.Trim().ToLowerInvariant();
    }
}
