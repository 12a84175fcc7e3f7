using System.Buffers.Binary;
using System.Text;

namespace Comb.Analyzers.Os.Rpm;

/// <summary>
/// One package header as the rpm database stores it: an index count and data length (big-endian),
/// then 16-byte index entries (tag, type, offset, count) and the data store they point into.
/// </summary>
internal sealed class RpmHeader
{
    private const int TypeInt16 = 3;
    private const int TypeInt32 = 4;
    private const int TypeString = 6;
    private const int TypeStringArray = 8;
    private const int TypeI18nString = 9;

    private readonly Dictionary<int, (int Type, int Offset, int Count)> _entries;
    private readonly byte[] _data;

    private RpmHeader(Dictionary<int, (int, int, int)> entries, byte[] data)
    {
        _entries = entries;
        _data = data;
    }

    /// <summary>Parses a header blob; throws <see cref="InvalidDataException"/> when its structure is inconsistent.</summary>
    public static RpmHeader Parse(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 8)
        {
            throw new InvalidDataException("rpm header shorter than its preamble");
        }

        var indexCount = BinaryPrimitives.ReadInt32BigEndian(blob);
        var dataLength = BinaryPrimitives.ReadInt32BigEndian(blob[4..]);
        if (indexCount <= 0 || indexCount > 0x10000 || dataLength < 0 || dataLength > 256 * 1024 * 1024)
        {
            throw new InvalidDataException($"rpm header has implausible sizes (entries {indexCount}, data {dataLength})");
        }

        var dataStart = 8 + (indexCount * 16);
        if ((long)dataStart + dataLength > blob.Length)
        {
            throw new InvalidDataException("rpm header is truncated");
        }

        var entries = new Dictionary<int, (int, int, int)>();
        for (var i = 0; i < indexCount; i++)
        {
            var entry = blob.Slice(8 + (i * 16), 16);
            var tag = BinaryPrimitives.ReadInt32BigEndian(entry);
            var type = BinaryPrimitives.ReadInt32BigEndian(entry[4..]);
            var offset = BinaryPrimitives.ReadInt32BigEndian(entry[8..]);
            var count = BinaryPrimitives.ReadInt32BigEndian(entry[12..]);
            if (offset < 0 || offset > dataLength || count < 0)
            {
                throw new InvalidDataException($"rpm header entry for tag {tag} points outside the data store");
            }

            entries.TryAdd(tag, (type, offset, count));
        }

        return new RpmHeader(entries, blob.Slice(dataStart, dataLength).ToArray());
    }

    public string? GetString(int tag)
    {
        if (!_entries.TryGetValue(tag, out var e) || e.Type is not (TypeString or TypeI18nString or TypeStringArray))
        {
            return null;
        }

        return ReadStrings(e.Offset, 1).FirstOrDefault();
    }

    public IReadOnlyList<string> GetStrings(int tag)
    {
        if (!_entries.TryGetValue(tag, out var e) || e.Type is not (TypeString or TypeI18nString or TypeStringArray))
        {
            return [];
        }

        return ReadStrings(e.Offset, e.Type == TypeString ? 1 : e.Count);
    }

    public IReadOnlyList<long> GetInts(int tag)
    {
        if (!_entries.TryGetValue(tag, out var e))
        {
            return [];
        }

        var width = e.Type switch { TypeInt32 => 4, TypeInt16 => 2, 5 => 8, 2 => 1, _ => 0 };
        if (width == 0 || (long)e.Offset + ((long)width * e.Count) > _data.Length)
        {
            return [];
        }

        var values = new long[e.Count];
        for (var i = 0; i < e.Count; i++)
        {
            var at = _data.AsSpan(e.Offset + (i * width));
            values[i] = width switch
            {
                4 => BinaryPrimitives.ReadInt32BigEndian(at),
                2 => BinaryPrimitives.ReadInt16BigEndian(at),
                8 => BinaryPrimitives.ReadInt64BigEndian(at),
                _ => at[0],
            };
        }

        return values;
    }

    public long? GetInt(int tag)
    {
        var values = GetInts(tag);
        return values.Count > 0 ? values[0] : null;
    }

    public string? GetBinaryHex(int tag)
    {
        if (!_entries.TryGetValue(tag, out var e) || e.Type != 7 || (long)e.Offset + e.Count > _data.Length)
        {
            return null;
        }

        return Convert.ToHexStringLower(_data, e.Offset, e.Count);
    }

    private List<string> ReadStrings(int offset, int count)
    {
        var result = new List<string>(Math.Min(count, 4096));
        var at = offset;
        for (var i = 0; i < count && at < _data.Length; i++)
        {
            var end = Array.IndexOf(_data, (byte)0, at);
            if (end < 0)
            {
                throw new InvalidDataException("rpm header string is not terminated");
            }

            result.Add(Encoding.UTF8.GetString(_data, at, end - at));
            at = end + 1;
        }

        return result;
    }
}
