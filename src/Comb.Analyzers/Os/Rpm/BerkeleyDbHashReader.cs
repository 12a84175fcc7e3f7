using System.Buffers.Binary;

namespace Comb.Analyzers.Os.Rpm;

/// <summary>
/// Reads the values of a Berkeley DB hash database (the classic rpm "Packages" file) without libdb:
/// walks every hash page, takes each key/value pair's value, following overflow page chains for large values.
/// Handles databases written on little- and big-endian machines.
/// </summary>
internal static class BerkeleyDbHashReader
{
    private const uint HashMagic = 0x061561;
    private const int PageHeaderSize = 26;
    private const byte PageHashUnsorted = 2;
    private const byte PageOverflow = 7;
    private const byte PageHash = 13;
    private const byte ItemKeyData = 1;
    private const byte ItemOffPage = 3;

    public static bool LooksLikeBdb(ReadOnlySpan<byte> file) =>
        file.Length >= 72 && (BinaryPrimitives.ReadUInt32LittleEndian(file[12..]) == HashMagic || BinaryPrimitives.ReadUInt32BigEndian(file[12..]) == HashMagic);

    /// <summary>The stored values in page order; throws <see cref="InvalidDataException"/> on structural damage.</summary>
    public static List<byte[]> ReadValues(byte[] file)
    {
        if (file.Length < 72)
        {
            throw new InvalidDataException("file is too short for a Berkeley DB metadata page");
        }

        bool bigEndian;
        if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)) == HashMagic)
        {
            bigEndian = false;
        }
        else if (BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(12)) == HashMagic)
        {
            bigEndian = true;
        }
        else
        {
            throw new InvalidDataException("not a Berkeley DB hash database (bad magic)");
        }

        var reader = new Pages(file, bigEndian);
        var pageSize = reader.U32(0, 20);
        if (pageSize is < 512 or > 65536 || (pageSize & (pageSize - 1)) != 0)
        {
            throw new InvalidDataException($"Berkeley DB page size {pageSize} is invalid");
        }

        reader.PageSize = (int)pageSize;
        var lastPage = reader.U32(0, 32);
        var pageCount = file.Length / reader.PageSize;
        if (lastPage >= pageCount)
        {
            throw new InvalidDataException($"Berkeley DB is truncated: last page {lastPage} but the file holds {pageCount} pages");
        }

        var values = new List<byte[]>();
        for (var pgno = 1; pgno <= lastPage; pgno++)
        {
            var type = reader.Byte(pgno, 25);
            if (type is not (PageHash or PageHashUnsorted))
            {
                continue;
            }

            var entries = reader.U16(pgno, 20);
            if (PageHeaderSize + (entries * 2) > reader.PageSize)
            {
                throw new InvalidDataException($"Berkeley DB page {pgno} claims {entries} entries, more than fit");
            }

            for (var idx = 0; idx + 1 < entries; idx += 2)
            {
                var valueOffset = reader.U16(pgno, PageHeaderSize + ((idx + 1) * 2));
                if (valueOffset >= reader.PageSize)
                {
                    throw new InvalidDataException($"Berkeley DB page {pgno} has an item offset outside the page");
                }

                var itemType = reader.Byte(pgno, valueOffset);
                if (itemType == ItemOffPage)
                {
                    var first = reader.U32(pgno, valueOffset + 4);
                    var total = reader.U32(pgno, valueOffset + 8);
                    values.Add(ReadOverflow(reader, first, total, pageCount));
                }
                else if (itemType == ItemKeyData)
                {
                    var end = reader.U16(pgno, PageHeaderSize + (idx * 2));
                    if (end > reader.PageSize || end <= valueOffset)
                    {
                        throw new InvalidDataException($"Berkeley DB page {pgno} has overlapping items");
                    }

                    values.Add(file.AsSpan((pgno * reader.PageSize) + valueOffset + 1, end - valueOffset - 1).ToArray());
                }
            }
        }

        return values;
    }

    private static byte[] ReadOverflow(Pages reader, uint firstPage, uint totalLength, int pageCount)
    {
        if (totalLength > 256 * 1024 * 1024)
        {
            throw new InvalidDataException($"Berkeley DB overflow item of {totalLength} bytes is implausible");
        }

        var result = new byte[totalLength];
        var written = 0;
        var pgno = firstPage;
        var visited = new HashSet<uint>();
        while (written < totalLength)
        {
            if (pgno == 0 || pgno >= pageCount || !visited.Add(pgno))
            {
                throw new InvalidDataException($"Berkeley DB overflow chain breaks at page {pgno}");
            }

            if (reader.Byte((int)pgno, 25) != PageOverflow)
            {
                throw new InvalidDataException($"Berkeley DB page {pgno} should be an overflow page");
            }

            var used = reader.U16((int)pgno, 22);
            var take = Math.Min(used, (int)totalLength - written);
            if (PageHeaderSize + take > reader.PageSize)
            {
                throw new InvalidDataException($"Berkeley DB overflow page {pgno} claims more data than fits");
            }

            reader.File.AsSpan(((int)pgno * reader.PageSize) + PageHeaderSize, take).CopyTo(result.AsSpan(written));
            written += take;
            pgno = reader.U32((int)pgno, 16);
            if (take == 0 && written < totalLength && pgno == 0)
            {
                break;
            }
        }

        if (written < totalLength)
        {
            throw new InvalidDataException("Berkeley DB overflow chain ends before the item does");
        }

        return result;
    }

    /// <summary>Bounds-checked, endian-aware access to page fields.</summary>
    private sealed class Pages(byte[] file, bool bigEndian)
    {
        public byte[] File { get; } = file;
        public int PageSize { get; set; } = 512;

        public byte Byte(int page, int offset) => Span(page, offset, 1)[0];

        public int U16(int page, int offset)
        {
            var span = Span(page, offset, 2);
            return bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);
        }

        public uint U32(int page, int offset)
        {
            var span = Span(page, offset, 4);
            return bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);
        }

        private ReadOnlySpan<byte> Span(int page, int offset, int length)
        {
            var at = ((long)page * PageSize) + offset;
            if (at < 0 || at + length > File.Length)
            {
                throw new InvalidDataException($"Berkeley DB page {page} is truncated");
            }

            return File.AsSpan((int)at, length);
        }
    }
}
