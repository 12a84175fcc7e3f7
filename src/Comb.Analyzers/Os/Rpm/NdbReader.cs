using System.Buffers.Binary;

namespace Comb.Analyzers.Os.Rpm;

/// <summary>
/// Reads header blobs from rpm's native "ndb" database (Packages.db, SUSE): a header page, a slot table of
/// (package index, block offset, block count) and 16-byte-aligned blobs, all little-endian.
/// </summary>
internal static class NdbReader
{
    private const uint HeaderMagic = 'R' | ('p' << 8) | ('m' << 16) | ((uint)'P' << 24);
    private const uint SlotMagic = 'S' | ('l' << 8) | ('o' << 16) | ((uint)'t' << 24);
    private const uint BlobMagic = 'B' | ('l' << 8) | ('b' << 16) | ((uint)'S' << 24);
    private const int BlockSize = 16;
    private const int PageSize = 4096;

    public static bool LooksLikeNdb(ReadOnlySpan<byte> file) =>
        file.Length >= 32 && BinaryPrimitives.ReadUInt32LittleEndian(file) == HeaderMagic;

    public static List<byte[]> ReadBlobs(byte[] file)
    {
        if (!LooksLikeNdb(file))
        {
            throw new InvalidDataException("not an rpm ndb database (bad magic)");
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(4));
        if (version != 0)
        {
            throw new InvalidDataException($"unsupported ndb version {version}");
        }

        var slotPages = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12));
        if (slotPages == 0 || (long)slotPages * PageSize > file.Length)
        {
            throw new InvalidDataException($"ndb slot table of {slotPages} pages does not fit the file");
        }

        var slotCount = (int)((slotPages * PageSize / 16) - 2);
        var blobs = new List<byte[]>();
        for (var i = 0; i < slotCount; i++)
        {
            var slot = file.AsSpan(32 + (i * 16), 16);
            if (BinaryPrimitives.ReadUInt32LittleEndian(slot) != SlotMagic)
            {
                throw new InvalidDataException($"ndb slot {i} has a bad magic");
            }

            var pkgIndex = BinaryPrimitives.ReadUInt32LittleEndian(slot[4..]);
            var blockOffset = BinaryPrimitives.ReadUInt32LittleEndian(slot[8..]);
            if (pkgIndex == 0)
            {
                continue;
            }

            var at = (long)blockOffset * BlockSize;
            if (at + 16 > file.Length)
            {
                throw new InvalidDataException($"ndb slot {i} points past the end of the file");
            }

            var blob = file.AsSpan((int)at);
            if (BinaryPrimitives.ReadUInt32LittleEndian(blob) != BlobMagic || BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]) != pkgIndex)
            {
                throw new InvalidDataException($"ndb blob for package {pkgIndex} has a bad magic or index");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(blob[12..]);
            if (at + 16 + length > file.Length)
            {
                throw new InvalidDataException($"ndb blob for package {pkgIndex} is truncated");
            }

            blobs.Add(blob.Slice(16, (int)length).ToArray());
        }

        return blobs;
    }
}
