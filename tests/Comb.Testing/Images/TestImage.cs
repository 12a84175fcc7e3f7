using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Comb.Testing.Images;

/// <summary>One layer built in code: files, directories, links and whiteouts, as tar bytes.</summary>
public sealed class TestLayer
{
    private readonly List<Action<TarWriter>> _entries = [];

    public string? CreatedBy { get; private set; }

    public TestLayer By(string createdBy)
    {
        CreatedBy = createdBy;
        return this;
    }

    public TestLayer File(string path, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100, int uid = 0) =>
        File(path, Encoding.UTF8.GetBytes(content), mode, uid);

    public TestLayer File(string path, byte[] content, UnixFileMode mode = (UnixFileMode)0b110_100_100, int uid = 0)
    {
        _entries.Add(w =>
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(content), Mode = mode, Uid = uid, ModificationTime = DateTimeOffset.UnixEpoch };
            w.WriteEntry(entry);
        });
        return this;
    }

    public TestLayer Directory(string path, UnixFileMode mode = (UnixFileMode)0b111_101_101)
    {
        _entries.Add(w => w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, path) { Mode = mode, ModificationTime = DateTimeOffset.UnixEpoch }));
        return this;
    }

    public TestLayer Symlink(string path, string target)
    {
        _entries.Add(w => w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, path) { LinkName = target, ModificationTime = DateTimeOffset.UnixEpoch }));
        return this;
    }

    public TestLayer HardLink(string path, string target)
    {
        _entries.Add(w => w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, path) { LinkName = target, ModificationTime = DateTimeOffset.UnixEpoch }));
        return this;
    }

    /// <summary>Deletes a path of an earlier layer (an OCI whiteout file).</summary>
    public TestLayer Whiteout(string path)
    {
        var slash = path.LastIndexOf('/');
        var whiteout = slash >= 0 ? path[..(slash + 1)] + ".wh." + path[(slash + 1)..] : ".wh." + path;
        return File(whiteout, []);
    }

    /// <summary>Hides everything earlier layers put below a directory.</summary>
    public TestLayer Opaque(string dir) => File(dir.TrimEnd('/') + "/.wh..wh..opq", []);

    /// <summary>A raw entry name, for hostile tars (../ paths).</summary>
    public TestLayer Raw(string name, string content) => File(name, content);

    public byte[] ToTar()
    {
        using var ms = new MemoryStream();
        using (var writer = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry(writer);
            }
        }

        return ms.ToArray();
    }
}

/// <summary>Layer compression of a built image.</summary>
public enum LayerCompression
{
    Gzip,
    Zstd,
    None,
}

/// <summary>
/// Builds real images in code (OCI layout directory, OCI archive, docker-archive legacy or OCI-style) from
/// <see cref="TestLayer"/>s and a config, with correct digests, for tests and benchmarks.
/// </summary>
public sealed class TestImage
{
    private readonly List<TestLayer> _layers = [];
    private readonly JsonObject _config = new()
    {
        ["architecture"] = "amd64",
        ["os"] = "linux",
        ["created"] = "2024-01-01T00:00:00Z",
        ["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") },
    };

    public LayerCompression Compression { get; set; } = LayerCompression.Gzip;

    public TestImage Layer(TestLayer layer)
    {
        _layers.Add(layer);
        return this;
    }

    public TestImage Layer(Action<TestLayer> build)
    {
        var layer = new TestLayer();
        build(layer);
        return Layer(layer);
    }

    /// <summary>Edits the config's "config" object (User, Env, Entrypoint, Healthcheck, ExposedPorts...).</summary>
    public TestImage Config(Action<JsonObject> edit)
    {
        edit((JsonObject)_config["config"]!);
        return this;
    }

    public TestImage Platform(string os, string architecture)
    {
        _config["os"] = os;
        _config["architecture"] = architecture;
        return this;
    }

    public TestImage ExtraHistory(string createdBy)
    {
        _extraHistory.Add(createdBy);
        return this;
    }

    private readonly List<string> _extraHistory = [];

    /// <summary>Builds blobs: returns the layers (compressed bytes, digest, diffID), the config bytes and the manifest bytes.</summary>
    public BuiltImage Build()
    {
        var layers = new List<BuiltLayer>();
        foreach (var layer in _layers)
        {
            var tar = layer.ToTar();
            var blob = Compress(tar, Compression);
            layers.Add(new BuiltLayer(blob, Digest(blob), Digest(tar), tar, MediaTypeOf(Compression)));
        }

        var config = _config.DeepClone().AsObject();
        config["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray([.. layers.Select(l => (JsonNode)l.DiffId)]) };
        var history = new JsonArray();
        foreach (var extra in _extraHistory)
        {
            history.Add(new JsonObject { ["created_by"] = extra, ["empty_layer"] = true });
        }

        for (var i = 0; i < _layers.Count; i++)
        {
            history.Add(new JsonObject { ["created_by"] = _layers[i].CreatedBy ?? $"layer {i}" });
        }

        config["history"] = history;
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = Digest(configBytes), ["size"] = configBytes.Length },
            ["layers"] = new JsonArray([.. layers.Select(l => (JsonNode)new JsonObject { ["mediaType"] = l.MediaType, ["digest"] = l.Digest, ["size"] = l.Blob.Length })]),
        };
        var manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        return new BuiltImage(layers, configBytes, manifestBytes);
    }

    /// <summary>Writes an OCI image layout directory; returns the manifest digest.</summary>
    public string WriteOciLayout(string dir, string tag = "latest")
    {
        var built = Build();
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256"));
        void Blob(byte[] data) => System.IO.File.WriteAllBytes(Path.Combine(dir, "blobs", "sha256", Digest(data)[7..]), data);
        foreach (var layer in built.Layers)
        {
            Blob(layer.Blob);
        }

        Blob(built.Config);
        Blob(built.Manifest);
        System.IO.File.WriteAllText(Path.Combine(dir, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["digest"] = Digest(built.Manifest),
                ["size"] = built.Manifest.Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag },
            }),
        };
        System.IO.File.WriteAllText(Path.Combine(dir, "index.json"), index.ToJsonString());
        return Digest(built.Manifest);
    }

    /// <summary>Writes a tar of an OCI layout (oci-archive).</summary>
    public string WriteOciArchive(string file, string tag = "latest")
    {
        var dir = Path.Combine(Path.GetTempPath(), "comb-oci-" + Guid.NewGuid().ToString("N"));
        try
        {
            var digest = WriteOciLayout(dir, tag);
            TarFile.CreateFromDirectory(dir, file, includeBaseDirectory: false);
            return digest;
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes a `docker save` tarball: legacy (&lt;id&gt;/layer.tar, uncompressed) or current Docker (OCI blobs + manifest.json).</summary>
    public void WriteDockerArchive(string file, string repoTag = "test/image:latest", bool legacy = true)
    {
        var saved = Compression;
        if (legacy)
        {
            Compression = LayerCompression.None;
        }

        var built = Build();
        Compression = saved;
        using var stream = System.IO.File.Create(file);
        using var tar = new TarWriter(stream, TarEntryFormat.Pax);
        void Add(string name, byte[] data) => tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data), ModificationTime = DateTimeOffset.UnixEpoch });
        var configName = legacy ? Digest(built.Config)[7..] + ".json" : "blobs/sha256/" + Digest(built.Config)[7..];
        Add(configName, built.Config);
        var layerNames = new List<string>();
        foreach (var layer in built.Layers)
        {
            var name = legacy ? layer.DiffId[7..] + "/layer.tar" : "blobs/sha256/" + layer.Digest[7..];
            Add(name, layer.Blob);
            layerNames.Add(name);
        }

        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray(repoTag),
            ["Layers"] = new JsonArray([.. layerNames.Select(n => (JsonNode)n)]),
        });
        Add("manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
    }

    public static string Digest(byte[] data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    private static byte[] Compress(byte[] tar, LayerCompression compression)
    {
        switch (compression)
        {
            case LayerCompression.Gzip:
                {
                    using var ms = new MemoryStream();
                    using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gz.Write(tar);
                    }

                    return ms.ToArray();
                }

            case LayerCompression.Zstd:
                {
                    using var compressor = new ZstdSharp.Compressor(3);
                    return compressor.Wrap(tar).ToArray();
                }

            default:
                return tar;
        }
    }

    private static string MediaTypeOf(LayerCompression compression) => compression switch
    {
        LayerCompression.Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        LayerCompression.Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        _ => "application/vnd.oci.image.layer.v1.tar",
    };
}

public sealed record BuiltLayer(byte[] Blob, string Digest, string DiffId, byte[] Tar, string MediaType);

public sealed record BuiltImage(IReadOnlyList<BuiltLayer> Layers, byte[] Config, byte[] Manifest)
{
    public string ManifestDigest => TestImage.Digest(Manifest);

    public string ConfigDigest => TestImage.Digest(Config);
}
