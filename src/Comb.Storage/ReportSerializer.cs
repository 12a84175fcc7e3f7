using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>Stores a whole report as gzip-compressed JSON, the record the history can render in any format again.</summary>
public static class ReportSerializer
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static byte[] Compress(ScanReport report)
    {
        using var ms = new MemoryStream();
        using (var gzip = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, report, Options);
        }

        return ms.ToArray();
    }

    /// <summary>The report's JSON, as <see cref="Compress"/> stores it before compression.</summary>
    internal static byte[] Json<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static ScanReport Decompress(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<ScanReport>(gzip, Options) ?? throw new InvalidDataException("empty stored report");
    }

    /// <summary>Some members of a stored report, read into <typeparamref name="T"/>; the others are skipped, not built.</summary>
    internal static T DecompressAs<T>(byte[] data)
        where T : class
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<T>(gzip, Options) ?? throw new InvalidDataException("empty stored report");
    }
}
