using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Comb.Image.Oci;
using Comb.Image.Registry;
using Comb.Testing.Images;

namespace Comb.Testing.Registry;

/// <summary>One layer blob built in code: its bytes as stored, digest, diff ID (digest of the tar) and media type.</summary>
public sealed record PushableLayer(byte[] Blob, string Digest, string DiffId, string MediaType, string CreatedBy);

/// <summary>An image built in code: layers, config and manifest bytes with their digests, ready to push.</summary>
public sealed record PushableImage
{
    public required IReadOnlyList<PushableLayer> Layers { get; init; }
    public required byte[] Config { get; init; }
    public required string ConfigDigest { get; init; }
    public required string ConfigMediaType { get; init; }
    public required byte[] Manifest { get; init; }
    public required string ManifestDigest { get; init; }
    public required string ManifestMediaType { get; init; }
    public required string Os { get; init; }
    public required string Architecture { get; init; }
    public string? Variant { get; init; }

    public static string Sha256(ReadOnlySpan<byte> data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
}

/// <summary>Builds small images in memory: tar layers written with System.Formats.Tar, compressed as asked, an OCI or Docker config and manifest.</summary>
public sealed class PushableImageBuilder
{
    private static readonly DateTimeOffset FixedTime = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly List<PushableLayer> _layers = [];
    private string _os = "linux";
    private string _architecture = "amd64";
    private string? _variant;
    private bool _docker;
    private readonly List<string> _env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
    private string? _user;

    public PushableImageBuilder WithLayer(params (string Path, string Content)[] files) => WithLayer(LayerCompression.Gzip, files);

    public PushableImageBuilder WithLayer(LayerCompression compression, params (string Path, string Content)[] files)
    {
        var tar = TarOf(files);
        var diffId = PushableImage.Sha256(tar);
        var (blob, mediaType) = compression switch
        {
            LayerCompression.Gzip => (Gzip(tar), _docker ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip),
            LayerCompression.Zstd => (Zstd(tar), MediaTypes.OciLayerZstd),
            _ => (tar, _docker ? MediaTypes.DockerLayerTar : MediaTypes.OciLayerTar),
        };
        _layers.Add(new PushableLayer(blob, PushableImage.Sha256(blob), diffId, mediaType, $"COPY layer{_layers.Count} / # {files.Length} files"));
        return this;
    }

    public PushableImageBuilder ForPlatform(string os, string architecture, string? variant = null)
    {
        _os = os;
        _architecture = architecture;
        _variant = variant;
        return this;
    }

    /// <summary>Docker schema 2 media types instead of OCI (set before adding layers).</summary>
    public PushableImageBuilder WithDockerMediaTypes()
    {
        _docker = true;
        return this;
    }

    public PushableImageBuilder WithUser(string user)
    {
        _user = user;
        return this;
    }

    public PushableImageBuilder WithEnv(string variable)
    {
        _env.Add(variable);
        return this;
    }

    public PushableImage Build()
    {
        var history = new List<object>();
        foreach (var layer in _layers)
        {
            // An empty-layer entry in between checks that history lines are matched to layers correctly.
            history.Add(new Dictionary<string, object> { ["created"] = FixedTime, ["created_by"] = "ENV X=1", ["empty_layer"] = true });
            history.Add(new Dictionary<string, object> { ["created"] = FixedTime, ["created_by"] = layer.CreatedBy });
        }

        var containerConfig = new Dictionary<string, object> { ["Env"] = _env, ["Cmd"] = new[] { "/bin/sh" } };
        if (_user is not null)
        {
            containerConfig["User"] = _user;
        }

        var config = new Dictionary<string, object?>
        {
            ["created"] = FixedTime,
            ["architecture"] = _architecture,
            ["os"] = _os,
            ["config"] = containerConfig,
            ["rootfs"] = new Dictionary<string, object> { ["type"] = "layers", ["diff_ids"] = _layers.Select(l => l.DiffId).ToArray() },
            ["history"] = history,
        };
        if (_variant is not null)
        {
            config["variant"] = _variant;
        }

        var configBytes = JsonSerializer.SerializeToUtf8Bytes(config);
        var configDigest = PushableImage.Sha256(configBytes);
        var configMediaType = _docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig;
        var manifestMediaType = _docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        var manifest = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = manifestMediaType,
            ["config"] = new Dictionary<string, object> { ["mediaType"] = configMediaType, ["digest"] = configDigest, ["size"] = configBytes.Length },
            ["layers"] = _layers.Select(l => new Dictionary<string, object> { ["mediaType"] = l.MediaType, ["digest"] = l.Digest, ["size"] = l.Blob.Length }).ToArray(),
        };
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
        return new PushableImage
        {
            Layers = _layers.ToList(),
            Config = configBytes,
            ConfigDigest = configDigest,
            ConfigMediaType = configMediaType,
            Manifest = manifestBytes,
            ManifestDigest = PushableImage.Sha256(manifestBytes),
            ManifestMediaType = manifestMediaType,
            Os = _os,
            Architecture = _architecture,
            Variant = _variant,
        };
    }

    /// <summary>An OCI index (or Docker manifest list) over the given images, one entry per platform.</summary>
    public static (byte[] Content, string Digest, string MediaType) IndexOf(IEnumerable<PushableImage> images, bool docker = false)
    {
        var mediaType = docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
        var index = new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = mediaType,
            ["manifests"] = images.Select(i =>
            {
                var platform = new Dictionary<string, string> { ["os"] = i.Os, ["architecture"] = i.Architecture };
                if (i.Variant is not null)
                {
                    platform["variant"] = i.Variant;
                }

                return new Dictionary<string, object>
                {
                    ["mediaType"] = i.ManifestMediaType,
                    ["digest"] = i.ManifestDigest,
                    ["size"] = i.Manifest.Length,
                    ["platform"] = platform,
                };
            }).ToArray(),
        };
        var bytes = JsonSerializer.SerializeToUtf8Bytes(index);
        return (bytes, PushableImage.Sha256(bytes), mediaType);
    }

    public static byte[] TarOf(IEnumerable<(string Path, string Content)> files)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, content) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path)
                {
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                    ModificationTime = FixedTime,
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                };
                writer.WriteEntry(entry);
            }
        }

        return buffer.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(data).ToArray();
    }
}
