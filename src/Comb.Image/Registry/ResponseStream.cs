namespace Comb.Image.Registry;

/// <summary>A response body that disposes its response (and so frees the connection) when disposed.</summary>
internal sealed class ResponseStream(HttpResponseMessage response, Stream body) : ReadOnlyWrapperStream(body)
{
    public override int Read(Span<byte> buffer) => Inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Inner.ReadAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            response.Dispose();
        }
    }
}
