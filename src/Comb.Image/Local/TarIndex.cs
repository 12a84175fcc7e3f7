using System.Text;
using Comb.Contracts;

namespace Comb.Image.Local;

/// <summary>
/// Lists the members of a tar archive with the offset of their data, reading only headers (ustar, PAX and GNU
/// long names), so members can later be read in place. System.Formats.Tar does not expose data offsets.
/// </summary>
internal static class TarIndex
{
    internal sealed record Member(string Name, char Type, long Offset, long Length, string LinkName);

    public static List<Member> Read(Stream stream, string what)
    {
        var members = new List<Member>();
        var header = new byte[512];
        string? longName = null;
        string? longLink = null;
        Dictionary<string, string>? pax = null;
        long position = 0;
        var length = stream.Length;
        if (length < 512)
        {
            throw new CombInputException($"{what}: not a readable tar archive (only {length} bytes)");
        }

        while (position + 512 <= length)
        {
            stream.Position = position;
            stream.ReadExactly(header);
            if (header.All(b => b == 0))
            {
                break;
            }

            if (!ChecksumOk(header))
            {
                throw new CombInputException($"{what}: not a readable tar archive (bad header checksum at offset {position})");
            }

            var type = (char)header[156];
            var size = ParseNumber(header.AsSpan(124, 12), what);
            var dataStart = position + 512;
            if (size < 0 || size > length - dataStart)
            {
                throw new CombInputException($"{what}: tar member at offset {position} is truncated");
            }

            position = dataStart + ((size + 511) / 512 * 512);
            switch (type)
            {
                case 'x':
                    pax = ParsePax(ReadData(stream, dataStart, size));
                    continue;
                case 'g':
                    continue;
                case 'L':
                    longName = Encoding.UTF8.GetString(ReadData(stream, dataStart, size)).TrimEnd('\0');
                    continue;
                case 'K':
                    longLink = Encoding.UTF8.GetString(ReadData(stream, dataStart, size)).TrimEnd('\0');
                    continue;
            }

            var name = pax?.GetValueOrDefault("path") ?? longName ?? UstarName(header);
            var link = pax?.GetValueOrDefault("linkpath") ?? longLink ?? CString(header.AsSpan(157, 100));
            if (pax?.GetValueOrDefault("size") is { } paxSize && long.TryParse(paxSize, out var realSize))
            {
                if (realSize < 0 || realSize > length - dataStart)
                {
                    throw new CombInputException($"{what}: tar member at offset {dataStart - 512} is truncated (PAX size {paxSize})");
                }

                size = realSize;
                position = dataStart + ((size + 511) / 512 * 512);
            }

            members.Add(new Member(name, type == '\0' ? '0' : type, dataStart, size, link));
            pax = null;
            longName = null;
            longLink = null;
        }

        return members;
    }

    private static byte[] ReadData(Stream stream, long offset, long size)
    {
        if (size > 1 << 20)
        {
            throw new CombInputException("tar extended header larger than 1 MiB");
        }

        var data = new byte[size];
        stream.Position = offset;
        stream.ReadExactly(data);
        return data;
    }

    private static Dictionary<string, string> ParsePax(byte[] data)
    {
        // Records are "LEN key=value\n" where LEN counts the whole record in bytes.
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < data.Length)
        {
            var space = Array.IndexOf(data, (byte)' ', i);
            if (space < 0 || !int.TryParse(Encoding.ASCII.GetString(data, i, space - i), out var len) || len <= space - i + 1 || len > data.Length - i)
            {
                break;
            }

            var record = Encoding.UTF8.GetString(data, space + 1, i + len - space - 2);
            var eq = record.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                result[record[..eq]] = record[(eq + 1)..];
            }

            i += len;
        }

        return result;
    }

    private static string UstarName(byte[] header)
    {
        var name = CString(header.AsSpan(0, 100));
        var magic = Encoding.ASCII.GetString(header, 257, 5);
        if (magic == "ustar")
        {
            var prefix = CString(header.AsSpan(345, 155));
            if (prefix.Length > 0)
            {
                return prefix + "/" + name;
            }
        }

        return name;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end >= 0 ? field[..end] : field);
    }

    private static long ParseNumber(ReadOnlySpan<byte> field, string what)
    {
        if ((field[0] & 0x80) != 0)
        {
            // GNU base-256 (sizes of 8 GiB and more): big-endian over the whole field, sign bit aside. Any field
            // may carry it (random bytes do), so the width is the field's, and a value beyond long is no tar.
            long big = field[0] & 0x7F;
            foreach (var b in field[1..])
            {
                if (big > (long.MaxValue >> 8))
                {
                    throw new CombInputException($"{what}: not a readable tar archive (number in header out of range)");
                }

                big = (big << 8) | b;
            }

            return big;
        }

        long value = 0;
        foreach (var b in field)
        {
            if (b is 0 or (byte)' ')
            {
                if (value > 0)
                {
                    break;
                }

                continue;
            }

            if (b is < (byte)'0' or > (byte)'7')
            {
                throw new CombInputException($"{what}: not a readable tar archive (bad number in header)");
            }

            if (value > (long.MaxValue >> 3))
            {
                throw new CombInputException($"{what}: not a readable tar archive (number in header out of range)");
            }

            value = (value * 8) + (b - '0');
        }

        return value;
    }

    private static bool ChecksumOk(byte[] header)
    {
        long stored;
        try
        {
            stored = ParseNumber(header.AsSpan(148, 8), "tar");
        }
        catch (CombInputException)
        {
            return false;
        }

        long sum = 0;
        for (var i = 0; i < 512; i++)
        {
            sum += i is >= 148 and < 156 ? (byte)' ' : header[i];
        }

        return sum == stored;
    }
}
