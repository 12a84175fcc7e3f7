using System.Buffers.Binary;
using System.Text;

namespace Comb.Analyzers.Binary;

/// <summary>A named section of an executable: where it lives in the file and in memory.</summary>
internal sealed record ExecutableSection(string Name, long FileOffset, long Size, ulong VirtualAddress, bool HasFileData);

/// <summary>
/// The section table of an ELF, PE or Mach-O executable, read from its headers only.
/// Enough to find named sections (.go.buildinfo, .dep-v0) and to map virtual addresses to file offsets.
/// </summary>
internal sealed class ExecutableImage
{
    private ExecutableImage(string format, bool bigEndian, int pointerSize, IReadOnlyList<ExecutableSection> sections)
    {
        Format = format;
        BigEndian = bigEndian;
        PointerSize = pointerSize;
        Sections = sections;
    }

    public string Format { get; }
    public bool BigEndian { get; }
    public int PointerSize { get; }
    public IReadOnlyList<ExecutableSection> Sections { get; }

    public static bool HasExecutableMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 4 && (head[..4].SequenceEqual("\u007fELF"u8) || (head[0] == 'M' && head[1] == 'Z') || IsMachO(head));

    private static bool IsMachO(ReadOnlySpan<byte> head)
    {
        var le = BinaryPrimitives.ReadUInt32LittleEndian(head);
        var be = BinaryPrimitives.ReadUInt32BigEndian(head);
        return le is 0xfeedface or 0xfeedfacf || be is 0xfeedface or 0xfeedfacf;
    }

    /// <summary>Parses the headers; returns null when the file is not an executable we understand.</summary>
    public static ExecutableImage? TryRead(RandomAccessSource source)
    {
        var head = source.ReadUpTo(0, 64);
        if (head.Length < 16)
        {
            return null;
        }

        if (head.AsSpan(0, 4).SequenceEqual("\u007fELF"u8))
        {
            return ReadElf(source, head);
        }

        if (head[0] == 'M' && head[1] == 'Z')
        {
            return ReadPe(source, head);
        }

        return IsMachO(head) ? ReadMachO(source, head) : null;
    }

    public ExecutableSection? Find(string name) => Sections.FirstOrDefault(s => s.Name == name && s.HasFileData);

    /// <summary>File offset of a virtual address, or -1 when no section with file data covers it.</summary>
    public long FileOffsetOf(ulong address, int length)
    {
        foreach (var s in Sections)
        {
            if (s.HasFileData && address >= s.VirtualAddress && address + (ulong)length <= s.VirtualAddress + (ulong)s.Size)
            {
                return s.FileOffset + (long)(address - s.VirtualAddress);
            }
        }

        return -1;
    }

    private static ExecutableImage ReadElf(RandomAccessSource source, byte[] head)
    {
        var is64 = head[4] == 2;
        var big = head[5] == 2;
        var r = new Reader(big);
        long shoff = is64 ? (long)r.U64(head, 0x28) : r.U32(head, 0x20);
        int shentsize = r.U16(head, is64 ? 0x3A : 0x2E);
        int shnum = r.U16(head, is64 ? 0x3C : 0x30);
        int shstrndx = r.U16(head, is64 ? 0x3E : 0x32);
        if (shoff == 0 || shnum == 0 || shentsize < (is64 ? 64 : 40) || shnum > 4096)
        {
            return new ExecutableImage("elf", big, is64 ? 8 : 4, []);
        }

        var table = source.ReadAt(shoff, shentsize * shnum);
        var raw = new List<(uint NameOffset, uint Type, ulong Addr, long Offset, long Size)>();
        for (var i = 0; i < shnum; i++)
        {
            var at = i * shentsize;
            raw.Add(is64
                ? (r.U32(table, at), r.U32(table, at + 4), r.U64(table, at + 16), (long)r.U64(table, at + 24), (long)r.U64(table, at + 32))
                : (r.U32(table, at), r.U32(table, at + 4), r.U32(table, at + 12), r.U32(table, at + 16), r.U32(table, at + 20)));
        }

        byte[] names = [];
        if (shstrndx < raw.Count && raw[shstrndx].Size is > 0 and < 16 * 1024 * 1024)
        {
            names = source.ReadAt(raw[shstrndx].Offset, (int)raw[shstrndx].Size);
        }

        const uint NoBits = 8;
        var sections = raw.Select(s => new ExecutableSection(CString(names, (int)s.NameOffset), s.Offset, s.Size, s.Addr,
            s.Type != NoBits && s.Type != 0 && s.Offset >= 0 && s.Offset + s.Size <= source.Length)).ToList();
        return new ExecutableImage("elf", big, is64 ? 8 : 4, sections);
    }

    private static ExecutableImage? ReadPe(RandomAccessSource source, byte[] head)
    {
        var r = new Reader(false);
        var peOffset = r.U32(head, 0x3C);
        if (peOffset < 0x40 || peOffset > source.Length - 24)
        {
            return null;
        }

        var coff = source.ReadAt(peOffset, 24);
        if (!coff.AsSpan(0, 4).SequenceEqual("PE\0\0"u8))
        {
            return null;
        }

        int sectionCount = r.U16(coff, 6);
        int optionalSize = r.U16(coff, 20);
        var optional = source.ReadAt(peOffset + 24, optionalSize);
        var magic = optionalSize >= 2 ? r.U16(optional, 0) : 0;
        var is64 = magic == 0x20b;
        ulong imageBase = is64 && optionalSize >= 32 ? r.U64(optional, 24) : optionalSize >= 32 ? r.U32(optional, 28) : 0;
        var table = source.ReadAt(peOffset + 24 + optionalSize, 40 * sectionCount);
        var sections = new List<ExecutableSection>();
        for (var i = 0; i < sectionCount; i++)
        {
            var at = i * 40;
            var name = Encoding.ASCII.GetString(table, at, 8).TrimEnd('\0');
            var virtualSize = r.U32(table, at + 8);
            var virtualAddress = r.U32(table, at + 12);
            var rawSize = r.U32(table, at + 16);
            var rawPointer = r.U32(table, at + 20);
            var size = Math.Min(virtualSize == 0 ? rawSize : virtualSize, rawSize);
            sections.Add(new ExecutableSection(name, rawPointer, size, imageBase + virtualAddress, rawPointer > 0 && rawPointer + size <= source.Length));
        }

        return new ExecutableImage("pe", false, is64 ? 8 : 4, sections);
    }

    private static ExecutableImage? ReadMachO(RandomAccessSource source, byte[] head)
    {
        var big = BinaryPrimitives.ReadUInt32BigEndian(head) is 0xfeedface or 0xfeedfacf;
        var r = new Reader(big);
        var is64 = r.U32(head, 0) == 0xfeedfacf;
        var commandCount = r.U32(head, 16);
        var commandsSize = r.U32(head, 20);
        if (commandCount > 10000 || commandsSize > 16 * 1024 * 1024)
        {
            return null;
        }

        var commands = source.ReadAt(is64 ? 32 : 28, (int)commandsSize);
        var sections = new List<ExecutableSection>();
        var at = 0;
        for (var i = 0; i < commandCount && at + 8 <= commands.Length; i++)
        {
            var cmd = r.U32(commands, at);
            var size = (int)r.U32(commands, at + 4);
            if (size < 8 || at + size > commands.Length)
            {
                break;
            }

            if (cmd == 0x19 && is64)
            {
                var n = r.U32(commands, at + 64);
                for (var s = 0; s < n && at + 72 + ((s + 1) * 80) <= at + size; s++)
                {
                    var sec = at + 72 + (s * 80);
                    sections.Add(new ExecutableSection(FixedString(commands, sec, 16), r.U32(commands, sec + 48), (long)r.U64(commands, sec + 40),
                        r.U64(commands, sec + 32), r.U32(commands, sec + 48) > 0));
                }
            }
            else if (cmd == 0x1 && !is64)
            {
                var n = r.U32(commands, at + 48);
                for (var s = 0; s < n && at + 56 + ((s + 1) * 68) <= at + size; s++)
                {
                    var sec = at + 56 + (s * 68);
                    sections.Add(new ExecutableSection(FixedString(commands, sec, 16), r.U32(commands, sec + 40), r.U32(commands, sec + 36),
                        r.U32(commands, sec + 32), r.U32(commands, sec + 40) > 0));
                }
            }

            at += size;
        }

        return new ExecutableImage("macho", big, is64 ? 8 : 4, sections);
    }

    private static string CString(byte[] table, int offset)
    {
        if (offset < 0 || offset >= table.Length)
        {
            return "";
        }

        var end = Array.IndexOf(table, (byte)0, offset);
        return Encoding.ASCII.GetString(table, offset, (end < 0 ? table.Length : end) - offset);
    }

    private static string FixedString(byte[] data, int offset, int length) =>
        Encoding.ASCII.GetString(data, offset, length).TrimEnd('\0');

    /// <summary>Endian-aware, bounds-checked integer reads from a header buffer.</summary>
    internal readonly struct Reader(bool bigEndian)
    {
        public ushort U16(byte[] b, int at) => Check(b, at, 2) && bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));

        public uint U32(byte[] b, int at) => Check(b, at, 4) && bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));

        public ulong U64(byte[] b, int at) => Check(b, at, 8) && bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(at));

        public ulong Pointer(byte[] b, int at, int size) => size == 8 ? U64(b, at) : U32(b, at);

        private static bool Check(byte[] b, int at, int n) =>
            at >= 0 && at + n <= b.Length ? true : throw new InvalidDataException($"executable header truncated at offset {at}");
    }
}
