using System.Data.Common;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Comb.Storage;

/// <summary>
/// JSON documents kept by content in one table (<c>digest</c>, <c>data</c>): the digest is the SHA-256 of the JSON,
/// the data its gzip. Documents read are kept in memory by digest (immutable, shared by every scan that has them), up
/// to a bound. Package sets and finding sets are both kept this way.
/// </summary>
internal sealed class ContentAddressedBlobs<T>(string table, string what)
    where T : class
{
    /// <summary>Documents kept in memory per generation (see <see cref="GenerationCache{TKey, TValue}"/>): what a fleet shares stays, each image's own documents pass through.</summary>
    public const int MaxCached = 4096;

    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly GenerationCache<string, T> _cached = new(MaxCached, StringComparer.Ordinal);

    /// <summary>The document's JSON and the digest it is stored under.</summary>
    public static (string Digest, byte[] Json) Serialize(T value)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(value, Options);
        return ("sha256:" + Convert.ToHexStringLower(SHA256.HashData(json)), json);
    }

    /// <summary>The stored form of the JSON.</summary>
    public static byte[] Compress(byte[] json)
    {
        using var ms = new MemoryStream();
        using (var gzip = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json);
        }

        return ms.ToArray();
    }

    /// <summary>
    /// The document under <paramref name="digest"/>, from memory or the table (then with the data read, else null);
    /// a scan referring to one the store lacks is broken data.
    /// </summary>
    public async Task<(T Value, byte[]? Loaded)> GetAsync(DbConnection connection, string scanId, string digest, CancellationToken cancellationToken)
    {
        if (TryGet(digest, out var value))
        {
            return (value, null);
        }

        var data = await Sql.QueryAsync(connection, $"SELECT data FROM {table} WHERE digest = @d", r => (byte[])r[0], cancellationToken, ("d", digest)).ConfigureAwait(false);
        if (data.Count == 0)
        {
            throw new InvalidDataException($"scan {scanId} refers to {what} {digest}, which the store does not hold");
        }

        value = Decompress(data[0]);
        Remember(digest, value);
        return (value, data[0]);
    }

    /// <summary>
    /// The documents under <paramref name="digests"/>, those not in memory read in one query per chunk; each with its
    /// stored data when it was read (else null). A digest the table lacks is broken data.
    /// </summary>
    public async Task<Dictionary<string, (T Value, byte[]? Loaded)>> GetManyAsync(DbConnection connection, IReadOnlyCollection<string> digests, CancellationToken cancellationToken,
        DbTransaction? transaction = null)
    {
        var found = new Dictionary<string, (T, byte[]?)>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var digest in digests)
        {
            if (TryGet(digest, out var value))
            {
                found[digest] = (value, null);
            }
            else
            {
                missing.Add(digest);
            }
        }

        foreach (var (digest, data) in await Sql.QueryInAsync(connection, $"SELECT digest, data FROM {table} WHERE digest IN ({{keys}})", missing,
            r => (r.GetString(0), (byte[])r[1]), cancellationToken, transaction).ConfigureAwait(false))
        {
            var value = Decompress(data);
            Remember(digest, value);
            found[digest] = (value, data);
        }

        if (missing.FirstOrDefault(d => !found.ContainsKey(d)) is { } absent)
        {
            throw new InvalidDataException($"a stored scan refers to {what} {absent}, which the store does not hold");
        }

        return found;
    }

    /// <summary>Keeps a document in memory under its digest.</summary>
    public void Remember(string digest, T value) => _cached.Set(digest, value);

    /// <summary>A document in memory: from the current generation, or moved there from the old one.</summary>
    private bool TryGet(string digest, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T value) => _cached.TryGet(digest, out value);

    private T Decompress(byte[] data) => Decode(data) ?? throw new InvalidDataException($"empty stored {what}");

    /// <summary>A stored document from its data (null for an empty one); nothing is kept in memory.</summary>
    public static T? Decode(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<T>(gzip, Options);
    }
}
