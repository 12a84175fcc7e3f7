using System.Formats.Tar;
using Comb.Contracts;
using Comb.Engine.Walk;

namespace Comb.Engine.Tests;

/// <summary>A walk cancelled half-way releases everything: no spooled file stays in the temporary directory.</summary>
public sealed class CancellationTests
{
    private const int LargeFile = (16 * 1024 * 1024) + 1; // just over the in-memory limit: spooled to a temp file

    [Fact]
    public async Task A_walk_cancelled_half_way_leaves_no_temporary_files()
    {
        // Given a layer of five large files, one worker whose analyzer holds the first file until the walk is
        // cancelled (so the following files wait in the queue), and a layer stream that cancels once past the
        // middle of the fourth file
        var dir = Directory.CreateTempSubdirectory("comb-cancel-");
        try
        {
            var tmp = Path.Combine(dir.FullName, "tmp");
            using var cancel = new CancellationTokenSource();
            using var ct = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token, TestContext.Current.CancellationToken);
            var tar = LayerOfLargeFiles(5);
            await using var stream = new CancellingStream(tar, cancelAfter: (long)(3.5 * LargeFile), cancel);
            var analyzer = new HoldingAnalyzer();
            var walker = new LayerWalker([analyzer], tmp, workers: 1);
            var layer = new LayerDescriptor { Index = 0, Digest = "sha256:" + new string('a', 64), DiffId = "sha256:" + new string('a', 64), MediaType = "application/vnd.oci.image.layer.v1.tar", Size = tar.Length };

            // When the walk runs and is cancelled
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => walker.WalkTarAsync(stream, layer, ct.Token));

            // Then files had been spooled and queued, and none of them is left
            Assert.True(analyzer.Calls >= 1);
            Assert.True(stream.Position > 3 * LargeFile);
            Assert.Empty(Directory.Exists(tmp) ? Directory.GetFiles(tmp) : []);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static MemoryStream LayerOfLargeFiles(int count)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            for (var i = 0; i < count; i++)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"data/file{i}.bin") { DataStream = new MemoryStream(new byte[LargeFile]) });
            }
        }

        tar.Position = 0;
        return tar;
    }

    /// <summary>Wants every file; the first one it gets is held until the walk is cancelled.</summary>
    private sealed class HoldingAnalyzer : IFileAnalyzer
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public string Id => "test-holding";

        public int Version => 1;

        public bool IsRequired(FileMeta meta) => meta.Kind == FileKind.Regular;

        public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return AnalysisResult.Empty;
        }
    }

    /// <summary>A read-only stream that cancels a token source once a given number of bytes has been read.</summary>
    private sealed class CancellingStream(Stream inner, long cancelAfter, CancellationTokenSource cancel) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            if (inner.Position >= cancelAfter)
            {
                cancel.Cancel();
            }

            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = await inner.ReadAsync(buffer, CancellationToken.None);
            if (inner.Position >= cancelAfter)
            {
                await cancel.CancelAsync();
            }

            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
