using System.Buffers.Binary;
using System.Text;
using Comb.Contracts;

namespace Comb.Image.Stores;

/// <summary>
/// Read-only reader of a bbolt (BoltDB) file, as containerd and Podman keep their metadata:
/// two meta pages, then B+tree branch and leaf pages; a bucket is a key whose value holds the root
/// page of its own tree, or the whole tree inline when it is small.
/// The file is read into memory once (these databases are small) and never written.
/// </summary>
public sealed class BoltReader
{
    private const uint Magic = 0xED0CDAED;
    private const ushort BranchPage = 0x01;
    private const ushort LeafPage = 0x02;
    private const uint BucketLeafFlag = 0x01;
    private const int PageHeaderSize = 16;
    private const int ElementSize = 16;
    private const int MaxDepth = 64;

    private readonly byte[] _data;
    private readonly int _pageSize;
    private readonly string _what;

    private BoltReader(byte[] data, int pageSize, ulong rootPage, string what)
    {
        _data = data;
        _pageSize = pageSize;
        _what = what;
        Root = new BoltBucket(this, rootPage, null);
    }

    /// <summary>The root bucket (holds only buckets in the files containerd and Podman write).</summary>
    public BoltBucket Root { get; }

    public static async Task<BoltReader> OpenAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new CombInputException($"bolt database not found: {path}", CombErrorKind.NotFound);
        }

        var data = await Task.Run(() => UnlockedFile.ReadAll(path, 1L << 31), cancellationToken).ConfigureAwait(false);
        return Parse(data, path);
    }

    public static BoltReader Parse(byte[] data, string what)
    {
        // Meta page 0 sits at offset 0; its page size locates meta page 1. Take the valid meta with the higher txid.
        var first = ReadMeta(data, 0, what);
        var pageSize = first?.PageSize ?? 4096;
        var second = data.Length >= 2L * pageSize ? ReadMeta(data, (int)pageSize, what) : null;
        var meta = (first, second) switch
        {
            ({ } a, { } b) => a.TxId >= b.TxId ? a : b,
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => throw new CombInputException($"{what}: not a bolt database (no valid meta page)"),
        };
        return new BoltReader(data, (int)meta.PageSize, meta.RootPage, what);
    }

    private sealed record Meta(uint PageSize, ulong RootPage, ulong TxId);

    private static Meta? ReadMeta(byte[] data, int offset, string what)
    {
        // page header (16) + magic, version, pageSize, flags (4 each) + root bucket (16) + freelist, pgid, txid, checksum (8 each)
        const int MetaSize = 4 * 4 + 16 + 8 * 4;
        if (offset + PageHeaderSize + MetaSize > data.Length)
        {
            return null;
        }

        var m = data.AsSpan(offset + PageHeaderSize, MetaSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(m) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(m[4..]) != 2)
        {
            return null;
        }

        var checksum = BinaryPrimitives.ReadUInt64LittleEndian(m[(MetaSize - 8)..]);
        if (Fnv1a64(m[..(MetaSize - 8)]) != checksum)
        {
            return null;
        }

        var pageSize = BinaryPrimitives.ReadUInt32LittleEndian(m[8..]);
        if (pageSize < 512 || pageSize > 1 << 20)
        {
            throw new CombInputException($"{what}: bolt meta page has an implausible page size {pageSize}");
        }

        return new Meta(pageSize, BinaryPrimitives.ReadUInt64LittleEndian(m[16..]), BinaryPrimitives.ReadUInt64LittleEndian(m[48..]));
    }

    private static ulong Fnv1a64(ReadOnlySpan<byte> data)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in data)
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }

        return hash;
    }

    /// <summary>Every (key, value, isBucket) of a tree, in key order.</summary>
    internal IEnumerable<BoltEntry> Walk(ulong rootPage, byte[]? inlinePage)
    {
        var results = new List<BoltEntry>();
        if (inlinePage is not null)
        {
            WalkPage(inlinePage, 0, inlinePage.Length, results, 0);
        }
        else
        {
            WalkPageId(rootPage, results, 0);
        }

        return results;
    }

    private void WalkPageId(ulong pageId, List<BoltEntry> results, int depth)
    {
        var offset = (long)pageId * _pageSize;
        if (pageId < 2 || offset + PageHeaderSize > _data.Length)
        {
            throw new CombInputException($"{_what}: corrupt bolt database (page {pageId} out of range)");
        }

        var overflow = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan((int)offset + 12));
        var length = Math.Min((overflow + 1L) * _pageSize, _data.Length - offset);
        WalkPage(_data, (int)offset, (int)length, results, depth);
    }

    private void WalkPage(byte[] buffer, int start, int length, List<BoltEntry> results, int depth)
    {
        if (depth > MaxDepth || length < PageHeaderSize)
        {
            throw new CombInputException($"{_what}: corrupt bolt database (tree too deep or page too short)");
        }

        var page = buffer.AsSpan(start, length);
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(page[8..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(page[10..]);
        if (PageHeaderSize + (long)count * ElementSize > length)
        {
            throw new CombInputException($"{_what}: corrupt bolt database (element table overruns its page)");
        }

        for (var i = 0; i < count; i++)
        {
            var elementOffset = PageHeaderSize + (i * ElementSize);
            var element = page[elementOffset..];
            if ((flags & BranchPage) != 0)
            {
                WalkPageId(BinaryPrimitives.ReadUInt64LittleEndian(element[8..]), results, depth + 1);
            }
            else if ((flags & LeafPage) != 0)
            {
                var entryFlags = BinaryPrimitives.ReadUInt32LittleEndian(element);
                var pos = BinaryPrimitives.ReadUInt32LittleEndian(element[4..]);
                var keySize = BinaryPrimitives.ReadUInt32LittleEndian(element[8..]);
                var valueSize = BinaryPrimitives.ReadUInt32LittleEndian(element[12..]);
                var keyStart = (long)elementOffset + pos;
                if (keyStart + keySize + valueSize > length)
                {
                    throw new CombInputException($"{_what}: corrupt bolt database (leaf element overruns its page)");
                }

                var key = page.Slice((int)keyStart, (int)keySize).ToArray();
                var value = page.Slice((int)(keyStart + keySize), (int)valueSize).ToArray();
                results.Add(new BoltEntry(key, value, (entryFlags & BucketLeafFlag) != 0));
            }
            else
            {
                throw new CombInputException($"{_what}: corrupt bolt database (page type {flags:x} where a tree page was expected)");
            }
        }
    }

    internal BoltBucket OpenChild(BoltEntry entry, string name)
    {
        if (entry.Value.Length < 16)
        {
            throw new CombInputException($"{_what}: corrupt bolt database (bucket '{name}' header too short)");
        }

        var root = BinaryPrimitives.ReadUInt64LittleEndian(entry.Value);

        // Root page 0 means the bucket's single leaf page follows its 16-byte header in the value.
        return new BoltBucket(this, root, root == 0 ? entry.Value[16..] : null);
    }

    internal string What => _what;
}

public sealed record BoltEntry(byte[] Key, byte[] Value, bool IsBucket)
{
    public string KeyText => Encoding.UTF8.GetString(Key);
}

/// <summary>A bucket: its key/value pairs and its nested buckets.</summary>
public sealed class BoltBucket
{
    private readonly BoltReader _reader;
    private readonly Lazy<IReadOnlyList<BoltEntry>> _entries;

    internal BoltBucket(BoltReader reader, ulong rootPage, byte[]? inlinePage)
    {
        _reader = reader;
        _entries = new Lazy<IReadOnlyList<BoltEntry>>(() => [.. reader.Walk(rootPage, inlinePage)]);
    }

    public IReadOnlyList<BoltEntry> Entries => _entries.Value;

    public BoltBucket? Bucket(string name)
    {
        var entry = Find(name);
        return entry is { IsBucket: true } ? _reader.OpenChild(entry, name) : null;
    }

    public IEnumerable<(string Name, BoltBucket Bucket)> Buckets() =>
        Entries.Where(e => e.IsBucket).Select(e => (e.KeyText, _reader.OpenChild(e, e.KeyText)));

    public byte[]? Get(string name) => Find(name) is { IsBucket: false } entry ? entry.Value : null;

    public string? GetText(string name) => Get(name) is { } value ? Encoding.UTF8.GetString(value) : null;

    private BoltEntry? Find(string name)
    {
        var key = Encoding.UTF8.GetBytes(name);
        return Entries.FirstOrDefault(e => e.Key.AsSpan().SequenceEqual(key));
    }
}
