using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Engine.Cache;

/// <summary>
/// The stored form of a layer's facts, the same in every backend: a small header, then sections that are each
/// gzip-compressed JSON read through source-generated serializers.
/// <list type="bullet">
/// <item>core: everything but the two bulky parts below (packages, details without their file digests, findings, notes);</item>
/// <item>paths: every path the layer writes (used only to hide earlier layers' facts);</item>
/// <item>digests: the file digests the package databases record (used only to verify files the malware scanner read).</item>
/// </list>
/// A read inflates and parses the core only; the other two are decoded the first time something asks for them. A
/// Debian base layer's paths and digests are two thirds of its entry, and a vulnerability-only warm scan asks for
/// neither. Every section's SHA-256 is in the header and checked when the entry is read, so a torn or corrupt entry
/// is a miss then, not an error later when a deferred section is decoded.
/// </summary>
internal static class LayerFactsCodec
{
    /// <summary>"CMBLAYR" and the format version; an entry of another version reads as a miss.</summary>
    private static ReadOnlySpan<byte> Magic => "CMBLAYR\u0003"u8;

    private const byte CoreSection = 1;
    private const byte PathsSection = 2;
    private const byte DigestsSection = 3;
    private const int SectionHeader = 1 + 4 + 32;

    public static async Task WriteAsync(Stream destination, LayerFacts facts, CancellationToken cancellationToken)
    {
        var digests = new List<int>();
        var digestMaps = new List<IReadOnlyDictionary<string, string>>();
        var details = new List<PackageDetail>(facts.Details.Count);
        for (var i = 0; i < facts.Details.Count; i++)
        {
            var detail = facts.Details[i];
            if (detail.FileDigests is { } map)
            {
                digests.Add(i);
                digestMaps.Add(map);
                detail = detail with { FileDigests = null };
            }

            details.Add(detail);
        }

        var core = new StoredLayerCore { Facts = facts with { Details = details, Paths = [] }, WithDigests = [.. digests] };
        (byte Kind, byte[] Bytes)[] sections =
        [
            (CoreSection, Compress(JsonSerializer.SerializeToUtf8Bytes(core, LayerFactsJson.Default.StoredLayerCore))),
            (PathsSection, Compress(JsonSerializer.SerializeToUtf8Bytes(facts.Paths, LayerFactsJson.Default.IReadOnlyListString))),
            (DigestsSection, Compress(JsonSerializer.SerializeToUtf8Bytes(digestMaps, LayerFactsJson.Default.ListIReadOnlyDictionaryStringString))),
        ];

        var header = new byte[Magic.Length + 4 + sections.Length * SectionHeader];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(Magic.Length), sections.Length);
        var at = Magic.Length + 4;
        foreach (var (kind, bytes) in sections)
        {
            header[at] = kind;
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(at + 1), bytes.Length);
            SHA256.HashData(bytes, header.AsSpan(at + 5, 32));
            at += SectionHeader;
        }

        await destination.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        foreach (var (_, bytes) in sections)
        {
            await destination.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The facts, or null when the bytes are not a whole entry of this format for <paramref name="diffId"/> (torn,
    /// corrupt, another version, another layer). The paths and file digests stay compressed in <paramref name="entry"/>
    /// until first asked for.
    /// </summary>
    public static LayerFacts? Read(byte[] entry, string diffId)
    {
        try
        {
            if (Sections(entry) is not { } sections
                || !sections.TryGetValue(CoreSection, out var coreBytes)
                || !sections.TryGetValue(PathsSection, out var pathBytes)
                || !sections.TryGetValue(DigestsSection, out var digestBytes))
            {
                return null;
            }

            var core = JsonSerializer.Deserialize(Inflate(coreBytes), LayerFactsJson.Default.StoredLayerCore);
            if (core?.Facts is not { } facts || facts.DiffId != diffId || core.WithDigests.Any(i => i < 0 || i >= facts.Details.Count))
            {
                return null;
            }

            var paths = new DeferredList(() => JsonSerializer.Deserialize(Inflate(pathBytes), LayerFactsJson.Default.IReadOnlyListString) ?? []);
            if (core.WithDigests.Length == 0)
            {
                return facts with { Paths = paths };
            }

            var maps = new Lazy<List<IReadOnlyDictionary<string, string>>>(() =>
            {
                var decoded = JsonSerializer.Deserialize(Inflate(digestBytes), LayerFactsJson.Default.ListIReadOnlyDictionaryStringString) ?? [];
                return decoded.Count == core.WithDigests.Length ? decoded : throw new InvalidDataException("layer cache entry: file digests do not match its package details");
            });
            var details = facts.Details.ToArray();
            for (var n = 0; n < core.WithDigests.Length; n++)
            {
                var index = core.WithDigests[n];
                details[index] = details[index] with { FileDigests = new DeferredDictionary(maps, n) };
            }

            return facts with { Details = details, Paths = paths };
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException or EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>The sections by kind, each checked against its digest; null when the header or any section is not whole.</summary>
    private static Dictionary<byte, ReadOnlyMemory<byte>>? Sections(byte[] entry)
    {
        if (entry.Length < Magic.Length + 4 || !entry.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return null;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(entry.AsSpan(Magic.Length));
        var at = Magic.Length + 4;
        if (count is < 0 or > 64 || entry.Length < at + count * SectionHeader)
        {
            return null;
        }

        var body = at + count * SectionHeader;
        var sections = new Dictionary<byte, ReadOnlyMemory<byte>>();
        Span<byte> digest = stackalloc byte[32];
        for (var i = 0; i < count; i++, at += SectionHeader)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(entry.AsSpan(at + 1));
            if (length < 0 || body > entry.Length - length)
            {
                return null;
            }

            var bytes = entry.AsMemory(body, length);
            SHA256.HashData(bytes.Span, digest);
            if (!digest.SequenceEqual(entry.AsSpan(at + 5, 32)))
            {
                return null;
            }

            sections[entry[at]] = bytes;
            body += length;
        }

        return body == entry.Length ? sections : null;
    }

    private static byte[] Compress(byte[] json)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(json);
        }

        return output.ToArray();
    }

    private static ReadOnlySpan<byte> Inflate(ReadOnlyMemory<byte> compressed)
    {
        using var output = new MemoryStream(compressed.Length * 4);
        using (var gzip = new GZipStream(new ReadOnlyMemoryStream(compressed), CompressionMode.Decompress))
        {
            gzip.CopyTo(output);
        }

        return output.GetBuffer().AsSpan(0, (int)output.Length);
    }

    /// <summary>The hex part of a digest, checked, for keys and file names.</summary>
    public static string HexOf(string diffId)
    {
        var hex = diffId[(diffId.IndexOf(':', StringComparison.Ordinal) + 1)..];
        if (hex.Length < 4 || hex.Any(c => !char.IsAsciiHexDigit(c)))
        {
            throw new ArgumentException($"not a digest: {diffId}", nameof(diffId));
        }

        return hex;
    }

    /// <summary>A read-only stream over memory the entry already holds (no copy before inflating).</summary>
    private sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> bytes) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, bytes.Length - _position);
            bytes.Span.Slice(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>The core section: the facts without paths and file digests, and which details had file digests.</summary>
internal sealed record StoredLayerCore
{
    public LayerFacts? Facts { get; init; }

    /// <summary>Indexes into the facts' details, in the order of the digest section's maps.</summary>
    public int[] WithDigests { get; init; } = [];
}

/// <summary>A section's list, decoded on first use (once, whichever thread asks first).</summary>
internal sealed class DeferredList(Func<IReadOnlyList<string>> decode) : IReadOnlyList<string>
{
    private readonly Lazy<IReadOnlyList<string>> _items = new(decode);

    public string this[int index] => _items.Value[index];

    public int Count => _items.Value.Count;

    public IEnumerator<string> GetEnumerator() => _items.Value.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>One detail's file digests out of the digest section, which is decoded on first use for every detail.</summary>
internal sealed class DeferredDictionary(Lazy<List<IReadOnlyDictionary<string, string>>> maps, int index) : IReadOnlyDictionary<string, string>
{
    private IReadOnlyDictionary<string, string> Map => maps.Value[index];

    public string this[string key] => Map[key];

    public IEnumerable<string> Keys => Map.Keys;

    public IEnumerable<string> Values => Map.Values;

    public int Count => Map.Count;

    public bool ContainsKey(string key) => Map.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value) => Map.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => Map.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

[JsonSerializable(typeof(StoredLayerCore))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(List<IReadOnlyDictionary<string, string>>))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class LayerFactsJson : JsonSerializerContext;
