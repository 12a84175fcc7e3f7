namespace Comb.Engine.Walk;

/// <summary>
/// A file's content kept for analysis: in memory (the first <see cref="Length"/> bytes of <see cref="Memory"/>) when
/// it fits, else in a file on disk; opened as often as analyzers need it. The layer walk's work items and the files
/// kept for post-analyzers both hold their content this way.
/// </summary>
internal readonly record struct FileContent(byte[]? Memory, int Length, string? Path)
{
    public static FileContent None => default;

    public static FileContent InMemory(byte[] memory, int length) => new(memory, length, null);

    public static FileContent OnDisk(string path) => new(null, 0, path);

    public Stream Open() =>
        // The buffer is visible (TryGetBuffer) so an analyzer can read the bytes in place instead of copying them out.
        Memory is not null ? new MemoryStream(Memory, 0, Length, writable: false, publiclyVisible: true)
        : Path is not null ? new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan)
        : Stream.Null;

    /// <summary>Reads <paramref name="data"/> into <paramref name="buffer"/> up to <paramref name="size"/> bytes or its end; returns the content.</summary>
    public static async Task<FileContent> ReadAsync(Stream data, byte[] buffer, int size, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < size)
        {
            var n = await data.ReadAsync(buffer.AsMemory(filled, size - filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return InMemory(buffer, filled);
    }

    /// <summary>Copies <paramref name="data"/> to a new file named PREFIX-GUID in <paramref name="tempDir"/>; a cancelled or failed copy leaves no file behind.</summary>
    public static async Task<FileContent> SpoolAsync(Stream data, string tempDir, string prefix, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(tempDir);
        var temp = System.IO.Path.Combine(tempDir, $"{prefix}-{Guid.NewGuid():N}");
        try
        {
            await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await data.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        return OnDisk(temp);
    }
}
