using Comb.Contracts;

namespace Comb.Analyzers.Binary;

/// <summary>
/// Positioned reads over an analysis input. Uses the input stream when it can seek; otherwise copies it once
/// to a private temporary file (deleted on dispose) so large binaries never sit in memory.
/// </summary>
internal sealed class RandomAccessSource : IAsyncDisposable
{
    private readonly Stream _stream;

    private RandomAccessSource(Stream stream)
    {
        _stream = stream;
    }

    public long Length => _stream.Length;

    public static async Task<RandomAccessSource> OpenAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var stream = input.OpenRead();
        if (stream.CanSeek)
        {
            return new RandomAccessSource(stream);
        }

        var tempPath = Path.Combine(Path.GetTempPath(), "comb-bin-" + Guid.NewGuid().ToString("N"));
        var temp = new FileStream(tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                await stream.CopyToAsync(temp, cancellationToken).ConfigureAwait(false);
            }

            temp.Position = 0;
            return new RandomAccessSource(temp);
        }
        catch
        {
            await temp.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes at <paramref name="offset"/> or throws <see cref="InvalidDataException"/>.</summary>
    public byte[] ReadAt(long offset, int count)
    {
        if (offset < 0 || count < 0 || offset + count > _stream.Length)
        {
            throw new InvalidDataException($"read of {count} bytes at {offset} is outside the file ({_stream.Length} bytes)");
        }

        var buffer = new byte[count];
        _stream.Position = offset;
        _stream.ReadExactly(buffer);
        return buffer;
    }

    /// <summary>Reads up to <paramref name="count"/> bytes at <paramref name="offset"/> (fewer at the end of the file).</summary>
    public byte[] ReadUpTo(long offset, int count)
    {
        var available = (int)Math.Max(0, Math.Min(count, _stream.Length - offset));
        return ReadAt(offset, available);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
