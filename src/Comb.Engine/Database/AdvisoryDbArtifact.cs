using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Comb.Contracts;
using Comb.VulnDb.Database;

namespace Comb.Engine.Database;

/// <summary>
/// The advisory database as an OCI artifact: an image manifest with Comb's <c>artifactType</c>, the empty config, and
/// one tar+gzip layer holding <c>comb.db</c>; annotations carry the schema version, build time, next update and the
/// record count per source, so a registry listing shows what a tag holds without pulling it.
/// </summary>
public static class AdvisoryDbArtifact
{
    public const string ArtifactType = "application/vnd.comb.advisory-db.v1";
    public const string LayerMediaType = "application/vnd.comb.advisory-db.layer.v1.tar+gzip";
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const string EmptyConfigMediaType = "application/vnd.oci.empty.v1+json";
    public const string EntryName = "comb.db";

    /// <summary>How often a published database is expected to be replaced (the feeds change daily).</summary>
    public static readonly TimeSpan UpdateInterval = TimeSpan.FromDays(1);

    public static readonly byte[] EmptyConfig = "{}"u8.ToArray();

    public static string Digest(ReadOnlySpan<byte> data) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>comb.db in a tar, gzipped, written to <paramref name="output"/>.</summary>
    public static async Task PackAsync(string dbPath, Stream output, CancellationToken cancellationToken)
    {
        await using var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        var entry = new PaxTarEntry(TarEntryType.RegularFile, EntryName) { ModificationTime = File.GetLastWriteTimeUtc(dbPath), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead };
        await using var file = File.OpenRead(dbPath);
        entry.DataStream = file;
        await tar.WriteEntryAsync(entry, cancellationToken);
    }

    /// <summary>The manifest for a packed layer of the database described by <paramref name="info"/>.</summary>
    public static byte[] Manifest(AdvisoryDbInfo info, string layerDigest, long layerSize)
    {
        var sources = new JsonObject();
        foreach (var source in info.Sources.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            sources[source.Name] = source.Records;
        }

        var built = Timestamp(info.BuiltAt);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestMediaType,
            ["artifactType"] = ArtifactType,
            ["config"] = new JsonObject { ["mediaType"] = EmptyConfigMediaType, ["digest"] = Digest(EmptyConfig), ["size"] = EmptyConfig.Length },
            ["layers"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = LayerMediaType,
                ["digest"] = layerDigest,
                ["size"] = layerSize,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.title"] = EntryName + ".tar.gz" },
            }),
            ["annotations"] = new JsonObject
            {
                ["org.opencontainers.image.created"] = built,
                ["dev.comb.db.schema-version"] = info.SchemaVersion.ToString(CultureInfo.InvariantCulture),
                ["dev.comb.db.built-at"] = built,
                ["dev.comb.db.next-update"] = Timestamp(info.BuiltAt + UpdateInterval),
                ["dev.comb.db.advisories"] = info.AdvisoryCount.ToString(CultureInfo.InvariantCulture),
                ["dev.comb.db.sources"] = sources.ToJsonString(),
            },
        };
        return Encoding.UTF8.GetBytes(manifest.ToJsonString());
    }

    /// <summary>The database layer of a pulled manifest; anything else named by the reference is refused.</summary>
    public static (string Digest, long Size) Layer(byte[] manifest, string what)
    {
        try
        {
            var root = JsonNode.Parse(manifest)?.AsObject() ?? throw new JsonException("null");
            var type = root["artifactType"]?.GetValue<string>() ?? root["config"]?["mediaType"]?.GetValue<string>();
            if (type != ArtifactType)
            {
                throw new CombInputException($"{what} is not a Comb advisory database (artifact type '{type ?? "none"}', expected {ArtifactType}); publish one with comb db push");
            }

            var layer = root["layers"]?.AsArray().FirstOrDefault(l => l?["mediaType"]?.GetValue<string>() == LayerMediaType)
                ?? throw new CombInputException($"{what} has no {LayerMediaType} layer");
            return (layer["digest"]!.GetValue<string>(), layer["size"]!.GetValue<long>());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new CombInputException($"{what}: the manifest cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Extracts comb.db from a verified layer file into <paramref name="target"/>; other entries are ignored, links refused.</summary>
    public static async Task UnpackAsync(string layerFile, string target, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(layerFile);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.Name.TrimStart('.', '/') != EntryName || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
            {
                continue;
            }

            await using var output = File.Create(target);
            await entry.DataStream.CopyToAsync(output, cancellationToken);
            return;
        }

        throw new CombInputException($"the database layer has no {EntryName}");
    }

    private static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
