using System.Buffers.Binary;
using System.Text;

namespace Comb.Analyzers.Tests.Os;

/// <summary>Writes rpm header blobs and the three database containers, byte by byte, for reader tests.</summary>
internal static class RpmFixtureBuilder
{
    public static byte[] Header(string name, string version, string release, int? epoch = null, string arch = "x86_64",
        string license = "MIT", string? sourceRpm = null, string[]? files = null)
    {
        var entries = new List<(int Tag, int Type, byte[] Data, int Count)>
        {
            (1000, 6, Str(name), 1),
            (1001, 6, Str(version), 1),
            (1002, 6, Str(release), 1),
            (1014, 6, Str(license), 1),
            (1022, 6, Str(arch), 1),
            (1044, 6, Str(sourceRpm ?? $"{name}-{version}-{release}.src.rpm"), 1),
            (1009, 4, Int32s(12345), 1),
        };
        if (epoch is not null)
        {
            entries.Add((1003, 4, Int32s(epoch.Value), 1));
        }

        if (files is not null)
        {
            var dirs = files.Select(f => f[..(f.LastIndexOf('/') + 1)]).Distinct().ToList();
            entries.Add((1118, 8, files.Length == 0 ? [] : dirs.SelectMany(Str).ToArray(), dirs.Count));
            entries.Add((1117, 8, files.SelectMany(f => Str(f[(f.LastIndexOf('/') + 1)..])).ToArray(), files.Length));
            entries.Add((1116, 4, Int32s([.. files.Select(f => dirs.IndexOf(f[..(f.LastIndexOf('/') + 1)]))]), files.Length));
        }

        var data = new MemoryStream();
        var index = new byte[entries.Count * 16];
        for (var i = 0; i < entries.Count; i++)
        {
            var (tag, type, bytes, count) = entries[i];
            while (type == 4 && data.Length % 4 != 0)
            {
                data.WriteByte(0);
            }

            BinaryPrimitives.WriteInt32BigEndian(index.AsSpan(i * 16), tag);
            BinaryPrimitives.WriteInt32BigEndian(index.AsSpan((i * 16) + 4), type);
            BinaryPrimitives.WriteInt32BigEndian(index.AsSpan((i * 16) + 8), (int)data.Length);
            BinaryPrimitives.WriteInt32BigEndian(index.AsSpan((i * 16) + 12), count);
            data.Write(bytes);
        }

        var blob = new byte[8 + index.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(blob, entries.Count);
        BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(4), (int)data.Length);
        index.CopyTo(blob, 8);
        data.ToArray().CopyTo(blob, 8 + index.Length);
        return blob;
    }

    /// <summary>A Berkeley DB hash file: meta page, one hash page, values inline when small or on overflow chains.</summary>
    public static byte[] BerkeleyDb(IReadOnlyList<byte[]> values, bool bigEndian, int pageSize = 512, int inlineLimit = 0)
    {
        var pages = new List<byte[]> { new byte[pageSize], new byte[pageSize] };
        var items = new List<byte[]>();
        var key = 1;
        foreach (var value in values)
        {
            var keyItem = new byte[5];
            keyItem[0] = 1;
            BinaryPrimitives.WriteInt32LittleEndian(keyItem.AsSpan(1), key++);
            items.Add(keyItem);
            if (value.Length <= inlineLimit)
            {
                items.Add([1, .. value]);
                continue;
            }

            var first = pages.Count;
            var chunk = pageSize - 26;
            for (var at = 0; at < value.Length; at += chunk)
            {
                var page = new byte[pageSize];
                var take = Math.Min(chunk, value.Length - at);
                var pgno = pages.Count;
                U32(page, 8, (uint)pgno);
                U32(page, 16, at + chunk < value.Length ? (uint)(pgno + 1) : 0);
                U16(page, 22, (ushort)take);
                page[25] = 7;
                value.AsSpan(at, take).CopyTo(page.AsSpan(26));
                pages.Add(page);
            }

            var off = new byte[12];
            off[0] = 3;
            U32(off, 4, (uint)first);
            U32(off, 8, (uint)value.Length);
            items.Add(off);
        }

        var hash = pages[1];
        hash[25] = 13;
        U32(hash, 8, 1);
        U16(hash, 20, (ushort)items.Count);
        var top = pageSize;
        for (var i = 0; i < items.Count; i++)
        {
            top -= items[i].Length;
            if (top < 26 + (items.Count * 2))
            {
                throw new InvalidOperationException("test fixture does not fit one hash page");
            }

            items[i].CopyTo(hash, top);
            U16(hash, 26 + (i * 2), (ushort)top);
        }

        var meta = pages[0];
        U32(meta, 12, 0x061561);
        U32(meta, 16, 9);
        U32(meta, 20, (uint)pageSize);
        meta[25] = 8;
        U32(meta, 32, (uint)(pages.Count - 1));
        return pages.SelectMany(p => p).ToArray();

        void U32(byte[] b, int at, uint v)
        {
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v);
        }

        void U16(byte[] b, int at, ushort v)
        {
            if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), v);
        }
    }

    /// <summary>An ndb Packages.db with one slot page and the blobs after it.</summary>
    public static byte[] Ndb(IReadOnlyList<byte[]> blobs)
    {
        var file = new MemoryStream();
        var head = new byte[4096];
        "RpmP"u8.CopyTo(head);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(12), 1);
        var blobArea = new MemoryStream();
        for (var i = 0; i < 254; i++)
        {
            var slot = head.AsSpan(32 + (i * 16));
            "Slot"u8.CopyTo(slot);
            if (i >= blobs.Count)
            {
                continue;
            }

            var offset = 4096 + blobArea.Length;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], (uint)(i + 1));
            BinaryPrimitives.WriteUInt32LittleEndian(slot[8..], (uint)(offset / 16));
            var blobHead = new byte[16];
            "BlbS"u8.CopyTo(blobHead);
            BinaryPrimitives.WriteUInt32LittleEndian(blobHead.AsSpan(4), (uint)(i + 1));
            BinaryPrimitives.WriteUInt32LittleEndian(blobHead.AsSpan(12), (uint)blobs[i].Length);
            blobArea.Write(blobHead);
            blobArea.Write(blobs[i]);
            while (blobArea.Length % 16 != 0)
            {
                blobArea.WriteByte(0);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(slot[12..], (uint)((16 + blobs[i].Length + 15) / 16));
        }

        file.Write(head);
        file.Write(blobArea.ToArray());
        return file.ToArray();
    }

    private static byte[] Str(string s) => [.. Encoding.UTF8.GetBytes(s), 0];

    private static byte[] Int32s(params int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}
