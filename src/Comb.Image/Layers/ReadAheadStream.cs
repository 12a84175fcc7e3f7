using System.Buffers;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Comb.Image.Layers;

/// <summary>
/// Reads its inner stream ahead on a background task, in large chunks, while the consumer works on what came
/// before. A layer's inflate and digest run on one core while the tar walk and the analyzers run on the other,
/// instead of taking turns; and the tar reader's small reads (512-byte headers, 4 KiB skips) no longer reach the
/// decompressor one by one. Memory is bounded: at most <c>depth + 2</c> chunks are held at once. A failure of the
/// inner stream (corrupt data, digest mismatch) is raised to the consumer where it happened, after the data
/// read before it.
/// </summary>
public sealed class ReadAheadStream : Stream
{
    private readonly Stream _inner;
    private readonly int _chunkSize;
    private readonly Channel<Chunk> _chunks;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private Exception? _error;
    private Chunk _current;
    private int _offset;
    private bool _ended;
    private long _read;
    private bool _disposed;

    public ReadAheadStream(Stream inner, int chunkSize = 128 * 1024, int depth = 4)
    {
        _inner = inner;
        _chunkSize = chunkSize;
        _chunks = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        _pump = Task.Run(() => PumpAsync(_stop.Token));
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            var end = false;
            while (!end)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(_chunkSize);
                var filled = 0;
                try
                {
                    // Fill whole chunks: one hand-off per chunk, however small the inner reads are.
                    Exception? failed = null;
                    while (filled < buffer.Length)
                    {
                        int n;
                        try
                        {
                            n = await _inner.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (filled > 0)
                        {
                            // The bytes read before the failure go to the consumer first, as a direct read would have.
                            failed = ex;
                            n = 0;
                        }

                        if (n == 0)
                        {
                            end = true;
                            break;
                        }

                        filled += n;
                    }

                    if (filled > 0)
                    {
                        await _chunks.Writer.WriteAsync(new Chunk(buffer, filled), cancellationToken).ConfigureAwait(false);
                        buffer = null;
                    }

                    if (failed is not null)
                    {
                        _error = failed;
                    }
                }
                finally
                {
                    if (buffer is not null)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            _error = ex;
        }
        finally
        {
            _chunks.Writer.TryComplete();
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (!HasData())
        {
            if (_ended || !_chunks.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                return End();
            }
        }

        return CopyOut(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (!HasData())
        {
            if (_ended || !await _chunks.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return End();
            }
        }

        return CopyOut(buffer.Span);
    }

    /// <summary>True when the current chunk has bytes left, taking the next queued chunk when it has none.</summary>
    private bool HasData()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_current.Buffer is not null && _offset < _current.Length)
        {
            return true;
        }

        if (_current.Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_current.Buffer);
            _current = default;
        }

        if (_chunks.Reader.TryRead(out var next))
        {
            _current = next;
            _offset = 0;
            return true;
        }

        return false;
    }

    private int CopyOut(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.Buffer.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        _read += n;
        return n;
    }

    private int End()
    {
        _ended = true;
        if (_error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }

        return 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Stops the reading ahead, waits for it, gives the chunks back and disposes the inner stream.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Release();
        await _inner.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _stop.Cancel();
            try
            {
                _pump.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }

            Release();
            _inner.Dispose();
            _stop.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Release()
    {
        if (_current.Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_current.Buffer);
            _current = default;
        }

        while (_chunks.Reader.TryRead(out var left))
        {
            ArrayPool<byte>.Shared.Return(left.Buffer);
        }
    }

    private readonly record struct Chunk(byte[] Buffer, int Length);
}
