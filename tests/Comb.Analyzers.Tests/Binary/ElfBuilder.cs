using System.Buffers.Binary;
using System.Text;

namespace Comb.Analyzers.Tests.Binary;

/// <summary>Writes a minimal little-endian ELF64 file with the given sections (name, address, content).</summary>
internal static class ElfBuilder
{
    public static byte[] Build(params (string Name, ulong Address, byte[] Content)[] sections)
    {
        var names = new MemoryStream();
        names.WriteByte(0);
        var nameOffsets = new List<int>();
        foreach (var s in sections.Select(s => s.Name).Append(".shstrtab"))
        {
            nameOffsets.Add((int)names.Length);
            names.Write(Encoding.ASCII.GetBytes(s));
            names.WriteByte(0);
        }

        var body = new MemoryStream();
        body.Write(new byte[64]);
        var offsets = new List<long>();
        foreach (var (_, _, content) in sections)
        {
            while (body.Length % 16 != 0)
            {
                body.WriteByte(0);
            }

            offsets.Add(body.Length);
            body.Write(content);
        }

        var namesOffset = body.Length;
        body.Write(names.ToArray());
        while (body.Length % 8 != 0)
        {
            body.WriteByte(0);
        }

        var shoff = body.Length;
        var count = sections.Length + 2;
        var table = new byte[64 * count];
        for (var i = 0; i < sections.Length; i++)
        {
            var e = table.AsSpan((i + 1) * 64);
            BinaryPrimitives.WriteUInt32LittleEndian(e, (uint)nameOffsets[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(e[4..], 1);
            BinaryPrimitives.WriteUInt64LittleEndian(e[16..], sections[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(e[24..], (ulong)offsets[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(e[32..], (ulong)sections[i].Content.Length);
        }

        var str = table.AsSpan((count - 1) * 64);
        BinaryPrimitives.WriteUInt32LittleEndian(str, (uint)nameOffsets[^1]);
        BinaryPrimitives.WriteUInt32LittleEndian(str[4..], 3);
        BinaryPrimitives.WriteUInt64LittleEndian(str[24..], (ulong)namesOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(str[32..], (ulong)names.Length);
        body.Write(table);

        var file = body.ToArray();
        "\u007fELF"u8.CopyTo(file);
        file[4] = 2;
        file[5] = 1;
        file[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(16), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(18), 0x3e);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), (ulong)shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(52), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(58), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(60), (ushort)count);
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(62), (ushort)(count - 1));

        // Pad so the file clears the analyzers' minimum executable size.
        return [.. file, .. new byte[8192]];
    }
}
