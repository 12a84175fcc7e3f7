using System.Buffers;

namespace Comb.Contracts.Archives;

/// <summary>Why a bounded read gave nothing.</summary>
internal enum ArchiveRefusal
{
    None,

    /// <summary>The entry grew past the entry or the total byte limit.</summary>
    TooLarge,

    /// <summary>The entry expanded far more than its compressed size allows.</summary>
    Ratio,
}

/// <summary>What reading one archive entry gave: its content, or why it was refused.</summary>
internal readonly record struct ArchiveRead(byte[]? Content, ArchiveRefusal Refusal);

/// <summary>
/// Limits and running totals of one walk through nested archives, so that a decompression bomb stops at the limits:
/// entries counted, and bytes counted as they really come out (a declared size can lie).
/// </summary>
internal sealed class ArchiveBudget(ArchiveLimits limits)
{
    private const int ChunkBytes = 81920;

    /// <summary>Entries counted so far.</summary>
    public int Entries { get; private set; }

    /// <summary>Bytes of the entries read so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>Counts one more entry; false once there are more than the limit.</summary>
    public bool CountEntry() => ++Entries <= limits.MaxEntries;

    /// <summary>Whether an entry of this declared size fits what is left.</summary>
    public bool Fits(long declaredBytes) => declaredBytes <= limits.MaxEntryBytes && Bytes + declaredBytes <= limits.MaxTotalBytes;

    /// <summary>
    /// Reads an entry to its end; nothing (and nothing counted) when it grows past the entry or total limit, or past
    /// the ratio to <paramref name="compressedBytes"/> (negative when the entry is stored as is).
    /// <paramref name="expectedBytes"/> (negative when unknown) only sizes the buffer, within the limits: a right
    /// guess reads into one array that is handed out as it is, a wrong one costs the usual growing and copying.
    /// </summary>
    public async ValueTask<ArchiveRead> ReadAsync(Stream entry, long compressedBytes, long expectedBytes, CancellationToken cancellationToken)
    {
        var allowed = Math.Min(limits.MaxEntryBytes, limits.MaxTotalBytes - Bytes);
        if (compressedBytes >= 0)
        {
            allowed = Math.Min(allowed, Math.Max(limits.RatioGraceBytes, compressedBytes * limits.MaxRatio));
        }

        using var buffer = expectedBytes > 0 && expectedBytes <= Math.Min(allowed, Array.MaxLength) ? new MemoryStream((int)expectedBytes) : new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            int read;
            while ((read = await entry.ReadAsync(chunk.AsMemory(0, ChunkBytes), cancellationToken).ConfigureAwait(false)) > 0)
            {
                var length = buffer.Length + read;
                if (length > limits.MaxEntryBytes || Bytes + length > limits.MaxTotalBytes)
                {
                    return new ArchiveRead(null, ArchiveRefusal.TooLarge);
                }

                if (compressedBytes >= 0 && length > limits.RatioGraceBytes && length / limits.MaxRatio > compressedBytes)
                {
                    return new ArchiveRead(null, ArchiveRefusal.Ratio);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        Bytes += buffer.Length;
        return new ArchiveRead(buffer.Length == buffer.Capacity && buffer.Length > 0 ? buffer.GetBuffer() : buffer.ToArray(), ArchiveRefusal.None);
    }
}
