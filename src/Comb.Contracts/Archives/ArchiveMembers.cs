using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Comb.Contracts.Archives;

/// <summary>
/// One file inside an archive as the format lists it: its raw name, declared and compressed sizes (negative when
/// unknown or not compressed), and how to open it. Valid until the listing moves on. <paramref name="SizeHint"/> is
/// what the format suggests the size is where it declares none (a gzip trailer): used only to size the read buffer.
/// </summary>
internal sealed record ArchiveMember(string Name, long Size, long CompressedSize, Func<CancellationToken, ValueTask<Stream>> OpenAsync, long SizeHint = -1);

/// <summary>The files of one archive held in memory, listed in the archive's order; directories and links are left out.</summary>
internal abstract class ArchiveMembers : IAsyncDisposable
{
    public abstract IAsyncEnumerable<ArchiveMember> ListAsync(CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Opens <paramref name="content"/> as <paramref name="format"/>; a damaged archive throws here or while listing.</summary>
    public static async ValueTask<ArchiveMembers> OpenAsync(ArchiveFormats format, ReadOnlyMemory<byte> content, string fileName, CancellationToken cancellationToken) => format switch
    {
        ArchiveFormats.Zip => await ZipMembers.OpenAsync(content, cancellationToken).ConfigureAwait(false),
        ArchiveFormats.Tar => new TarMembers(content),
        ArchiveFormats.Gzip => new GzipMembers(content, GzipMembers.InnerName(fileName)),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "one archive format"),
    };

    /// <summary>A read-only stream over the bytes, without a copy when they are an array's.</summary>
    private static MemoryStream ReadOnly(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    private sealed class ZipMembers(ZipArchive archive) : ArchiveMembers
    {
        public static async ValueTask<ArchiveMembers> OpenAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            var archive = await ZipArchive.CreateAsync(ReadOnly(content), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null, cancellationToken)
                .ConfigureAwait(false);
            try
            {
                _ = archive.Entries.Count; // a damaged central directory shows here, not half-way through the listing
                return new ZipMembers(archive);
            }
            catch
            {
                await archive.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public override IAsyncEnumerable<ArchiveMember> ListAsync(CancellationToken cancellationToken) =>
            archive.Entries.Where(e => !e.FullName.EndsWith('/'))
                .Select(e => new ArchiveMember(e.FullName, e.Length, e.CompressedLength, async ct => await e.OpenAsync(ct).ConfigureAwait(false)))
                .ToAsyncEnumerable();

        public override ValueTask DisposeAsync() => archive.DisposeAsync();
    }

    private sealed class TarMembers(ReadOnlyMemory<byte> content) : ArchiveMembers
    {
        public override async IAsyncEnumerable<ArchiveMember> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await using var reader = new TarReader(ReadOnly(content));
            while (await reader.GetNextEntryAsync(copyData: true, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
                {
                    yield return new ArchiveMember(entry.Name, entry.Length, -1, _ => ValueTask.FromResult(data));
                }
            }
        }
    }

    private sealed class GzipMembers(ReadOnlyMemory<byte> content, string name) : ArchiveMembers
    {
        public override IAsyncEnumerable<ArchiveMember> ListAsync(CancellationToken cancellationToken) =>
            new[]
            {
                new ArchiveMember(name, -1, content.Length,
                    _ => ValueTask.FromResult<Stream>(new GZipStream(ReadOnly(content), CompressionMode.Decompress)),
                    // The trailer's ISIZE: the size modulo 2^32 of the last member, so only a hint.
                    content.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(content.Span[^4..]) : -1),
            }.ToAsyncEnumerable();

        /// <summary>"x.tar.gz" holds "x.tar", "x.tgz" holds "x.tar", "x.gz" holds "x"; any other name gets ".decompressed".</summary>
        public static string InnerName(string fileName)
        {
            var name = fileName[(fileName.LastIndexOf('/') + 1)..];
            return name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3]
                : name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase) ? name[..^4] + ".tar"
                : name + ".decompressed";
        }
    }
}
