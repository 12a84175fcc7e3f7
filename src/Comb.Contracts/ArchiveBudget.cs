namespace Comb.Contracts;

/// <summary>What reading one archive entry gave: its content, or null when it went past the budget's limits.</summary>
public readonly record struct ArchiveRead(byte[]? Content)
{
    public bool TooLarge => Content is null;
}

/// <summary>
/// Limits and running totals for reading archives inside files (jars in wars, zips in tars), shared by every reader of
/// nested archives so that a decompression bomb stops at the limits: entries counted, and bytes counted as they really
/// come out (a declared size can lie).
/// </summary>
public sealed class ArchiveBudget(int maxEntries, long maxEntryBytes, long maxTotalBytes)
{
    public int MaxEntries => maxEntries;

    public long MaxEntryBytes => maxEntryBytes;

    public long MaxTotalBytes => maxTotalBytes;

    /// <summary>Entries counted so far.</summary>
    public int Entries { get; private set; }

    /// <summary>Bytes of the entries read so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>Counts one more entry; false once there are more than the limit.</summary>
    public bool CountEntry() => ++Entries <= maxEntries;

    /// <summary>Whether an entry of this declared size fits what is left.</summary>
    public bool Fits(long declaredBytes) => declaredBytes <= maxEntryBytes && Bytes + declaredBytes <= maxTotalBytes;

    /// <summary>Reads an entry to its end; nothing (and nothing counted) when it grows past the entry or total limit.</summary>
    public ArchiveRead Read(Stream entry)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = entry.Read(chunk)) > 0)
        {
            if (buffer.Length + read > maxEntryBytes || Bytes + buffer.Length + read > maxTotalBytes)
            {
                return new ArchiveRead(null);
            }

            buffer.Write(chunk, 0, read);
        }

        Bytes += buffer.Length;
        return new ArchiveRead(buffer.ToArray());
    }
}
