using System.IO.Compression;
using Comb.Contracts;

namespace Comb.Image.Layers;

/// <summary>Turns a stored layer blob into the verified, size-capped tar stream analyzers read.</summary>
public static class LayerStreams
{
    private static readonly byte[] GzipMagic = [0x1f, 0x8b];
    private static readonly byte[] ZstdMagic = [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>
    /// Sniffs the compression (gzip, zstd or none, whatever the media type claims), decompresses,
    /// verifies the diffID of the uncompressed bytes at the end, and stops at <paramref name="maxBytes"/>.
    /// Decompression and hashing read ahead of the consumer (<see cref="ReadAheadStream"/>).
    /// </summary>
    public static async Task<Stream> OpenTarAsync(Stream blob, LayerDescriptor layer, long maxBytes, CancellationToken cancellationToken)
    {
        var peek = new PeekableStream(blob);
        var head = await peek.PeekAsync(4, cancellationToken).ConfigureAwait(false);
        Stream decompressed;
        if (head.Length >= 2 && head.AsSpan(0, 2).SequenceEqual(GzipMagic))
        {
            decompressed = new GZipStream(peek, CompressionMode.Decompress, leaveOpen: false);
        }
        else if (head.Length >= 4 && head.AsSpan(0, 4).SequenceEqual(ZstdMagic))
        {
            decompressed = new ZstdSharp.DecompressionStream(peek, leaveOpen: false);
        }
        else
        {
            decompressed = peek;
        }

        var capped = new CappedStream(decompressed, maxBytes, $"layer {Short(layer.DiffId)}");
        Stream verified = layer.DiffId.Contains(':', StringComparison.Ordinal)
            ? new DigestVerifyingStream(capped, layer.DiffId, expectedLength: null, $"layer {Short(layer.DiffId)} (uncompressed)")
            : capped;

        // Inflate and digests run ahead on their own task, so they overlap with the walk and its analyzers.
        return new ReadAheadStream(verified);
    }

    public static string Short(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        var hex = colon >= 0 ? digest[(colon + 1)..] : digest;
        return hex.Length > 12 ? hex[..12] : hex;
    }
}

/// <summary>A stream that lets the first bytes be looked at before handing the whole stream on.</summary>
internal sealed class PeekableStream(Stream inner) : ReadOnlyWrapperStream(inner)
{
    private byte[] _buffer = [];
    private int _offset;

    public async Task<byte[]> PeekAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var n = await Inner.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        _buffer = buffer[..filled];
        _offset = 0;
        return _buffer;
    }

    public override int Read(Span<byte> buffer)
    {
        if (_offset < _buffer.Length)
        {
            var n = Math.Min(buffer.Length, _buffer.Length - _offset);
            _buffer.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        return Inner.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_offset < _buffer.Length)
        {
            return Read(buffer.Span);
        }

        return await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Fails once more than the allowed number of bytes came out: the guard against decompression bombs.</summary>
public sealed class CappedStream(Stream inner, long maxBytes, string what) : ReadOnlyWrapperStream(inner)
{
    private long _read;

    public long BytesRead => _read;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(Inner.Read(buffer));
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Count(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(ex);
        }
        catch (ZstdSharp.ZstdException ex)
        {
            throw Corrupt(ex);
        }
    }

    private CombInputException Corrupt(Exception ex) => new($"{what}: corrupt compressed data after {_read} bytes: {ex.Message}", ex);

    private int Count(int n)
    {
        _read += n;
        if (_read > maxBytes)
        {
            throw new CombInputException($"{what}: uncompressed size exceeds the limit of {maxBytes} bytes (decompression bomb?); raise --max-layer-size if the layer is genuine", CombErrorKind.LimitExceeded);
        }

        return n;
    }
}
