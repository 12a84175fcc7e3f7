using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Comb.Runtime;

public enum StatKind
{
    Regular,
    Directory,
    Symlink,
    CharDevice,
    Other,
}

/// <summary>What lstat says about one path (never following a symlink at the end).</summary>
public sealed partial record FileStat(string HostPath, StatKind Kind, int Mode, long Size, long MtimeSeconds, uint MtimeNanos, uint Uid, uint RdevMajor, uint RdevMinor)
{
    /// <summary>An overlay whiteout: a character device 0/0 marks a path deleted in an upper layer.</summary>
    public bool IsWhiteout => Kind == StatKind.CharDevice && RdevMajor == 0 && RdevMinor == 0;

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public int Permissions => Mode & 0xFFF;

    public string OctalMode => Convert.ToString(Permissions, 8).PadLeft(4, '0');

    /// <summary>lstat through statx (one layout on every architecture); null when the path does not exist.</summary>
    public static FileStat? Lstat(string path) => Query(path, followSymlink: false);

    /// <summary>stat through statx: what a symlink at the end finally points to; null when nothing is there.</summary>
    public static FileStat? Stat(string path) => Query(path, followSymlink: true);

    private static FileStat? Query(string path, bool followSymlink)
    {
        const int AtFdCwd = -100;
        const int AtSymlinkNoFollow = 0x100;
        const uint StatxBasicStats = 0x7ff;
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, followSymlink ? 0 : AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            return null;
        }

        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28));
        var kind = (mode & 0xF000) switch
        {
            0x8000 => StatKind.Regular,
            0x4000 => StatKind.Directory,
            0xA000 => StatKind.Symlink,
            0x2000 => StatKind.CharDevice,
            _ => StatKind.Other,
        };
        return new FileStat(
            path,
            kind,
            mode,
            (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(40)),
            BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(112)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(120)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(128)),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(132)));
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, byte[] buffer);
}
