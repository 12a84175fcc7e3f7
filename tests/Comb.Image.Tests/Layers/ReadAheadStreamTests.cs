using System.IO.Compression;
using System.Security.Cryptography;
using Comb.Contracts;
using Comb.Image.Layers;

namespace Comb.Image.Tests.Layers;

public sealed class ReadAheadStreamTests
{
    private static byte[] Data(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    [Theory]
    [InlineData(0, 512)]
    [InlineData(1, 512)]
    [InlineData(300_000, 512)]
    [InlineData(300_000, 1)]
    [InlineData(1_000_000, 70_000)]
    public async Task Gives_the_inner_stream_byte_for_byte_whatever_the_read_size(int length, int readSize)
    {
        var data = Data(length, length);
        await using var stream = new ReadAheadStream(new MemoryStream(data), chunkSize: 64 * 1024, depth: 2);
        var copy = new MemoryStream();
        var buffer = new byte[readSize];
        int n;
        while ((n = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            copy.Write(buffer, 0, n);
        }

        Assert.Equal(data, copy.ToArray());
        Assert.Equal(0, await stream.ReadAsync(buffer, TestContext.Current.CancellationToken));
        Assert.Equal(length, stream.Position);
    }

    [Fact]
    public void Synchronous_reads_give_the_same_bytes()
    {
        var data = Data(200_000, 7);
        using var stream = new ReadAheadStream(new MemoryStream(data), chunkSize: 16 * 1024, depth: 1);
        var copy = new MemoryStream();
        stream.CopyTo(copy, 1000);
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task A_layer_whose_content_does_not_match_its_diff_id_fails_after_the_data_it_read()
    {
        var data = Data(500_000, 3);
        var wrong = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Data(10, 1)));
        var layer = new LayerDescriptor { Index = 0, Digest = wrong, DiffId = wrong, MediaType = "application/vnd.oci.image.layer.v1.tar+gzip" };
        await using var tar = await LayerStreams.OpenTarAsync(new MemoryStream(Gzip(data)), layer, long.MaxValue, TestContext.Current.CancellationToken);
        var buffer = new byte[4096];
        long read = 0;
        var error = await Assert.ThrowsAsync<CombInputException>(async () =>
        {
            int n;
            while ((n = await tar.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
            {
                read += n;
            }
        });
        Assert.Contains("digest mismatch", error.Message, StringComparison.Ordinal);
        Assert.Equal(data.Length, read);
    }

    [Fact]
    public async Task A_layer_over_the_size_limit_fails_and_a_matching_one_reads_whole()
    {
        var data = Data(400_000, 5);
        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(data));
        var layer = new LayerDescriptor { Index = 0, Digest = diffId, DiffId = diffId, MediaType = "application/vnd.oci.image.layer.v1.tar+gzip" };
        await using (var capped = await LayerStreams.OpenTarAsync(new MemoryStream(Gzip(data)), layer, 100_000, TestContext.Current.CancellationToken))
        {
            await Assert.ThrowsAsync<CombInputException>(() => capped.CopyToAsync(Stream.Null, TestContext.Current.CancellationToken));
        }

        await using var whole = await LayerStreams.OpenTarAsync(new MemoryStream(Gzip(data)), layer, long.MaxValue, TestContext.Current.CancellationToken);
        var copy = new MemoryStream();
        await whole.CopyToAsync(copy, TestContext.Current.CancellationToken);
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task Disposing_before_the_end_stops_reading_and_disposes_the_inner_stream()
    {
        var inner = new MemoryStream(Data(2_000_000, 9));
        var stream = new ReadAheadStream(inner, chunkSize: 8 * 1024, depth: 2);
        var buffer = new byte[100];
        await stream.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken);
        Assert.Equal(100, stream.Position);
        await stream.DisposeAsync();
        Assert.False(inner.CanRead);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await stream.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken));
    }
}
