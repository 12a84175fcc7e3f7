using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Engine.Cache;

/// <summary>
/// The stored form of a layer's facts (gzip-compressed JSON), the same in every backend. Read and written through
/// source-generated serializers: a warm scan reads every layer's entry, and the reflection-based serializer compiled
/// several hundred methods (accessors, converters) at the start of every process before it could read one.
/// </summary>
internal static class LayerFactsCodec
{

    public static async Task WriteAsync(Stream destination, LayerFacts facts, CancellationToken cancellationToken)
    {
        await using var gzip = new GZipStream(destination, CompressionLevel.Fastest, leaveOpen: true);
        await JsonSerializer.SerializeAsync(gzip, facts, LayerFactsJson.Default.LayerFacts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The facts, or null when the bytes are not an entry for <paramref name="diffId"/> (torn, corrupt, another layer).</summary>
    public static async Task<LayerFacts?> ReadAsync(Stream source, string diffId, CancellationToken cancellationToken)
    {
        try
        {
            // Inflated whole, then parsed in one synchronous pass: an entry is at most a few MiB, and the resumable
            // streaming reader cost a warm scan more than the parse itself (bench/speed).
            using var json = new MemoryStream();
            await using (var gzip = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true))
            {
                await gzip.CopyToAsync(json, cancellationToken).ConfigureAwait(false);
            }

            var facts = JsonSerializer.Deserialize(json.GetBuffer().AsSpan(0, (int)json.Length), LayerFactsJson.Default.LayerFacts);
            return facts is not null && facts.DiffId == diffId ? facts : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or NotSupportedException or EndOfStreamException)
        {
            return null;
        }
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
}

[JsonSerializable(typeof(LayerFacts))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class LayerFactsJson : JsonSerializerContext;
