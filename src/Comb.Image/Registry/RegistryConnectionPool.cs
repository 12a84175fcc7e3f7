using System.Net;

namespace Comb.Image.Registry;

/// <summary>
/// The registry connections of one host: one socket handler for verified TLS and one for <c>--insecure-registry</c>,
/// owned here and closed when the host disposes this. <see cref="IHttpClientFactory"/> only rotates and disposes the
/// handlers it creates, and keeps its active ones past the host's disposal; so the handlers it builds wrap these
/// (<see cref="Primary"/>), and disposing a wrapper leaves the pooled connections to the next one.
/// </summary>
public sealed class RegistryConnectionPool : IDisposable
{
    private readonly Lazy<HttpMessageInvoker> _secure = new(() => new HttpMessageInvoker(CreateHandler(insecure: false), disposeHandler: true));
    private readonly Lazy<HttpMessageInvoker> _insecure = new(() => new HttpMessageInvoker(CreateHandler(insecure: true), disposeHandler: true));
    private volatile bool _disposed;

    /// <summary>A primary handler for the factory's chain that sends through this pool and does not close it.</summary>
    internal HttpMessageHandler Primary(bool insecure) => new SharedHandler(this, insecure);

    private HttpMessageInvoker Invoker(bool insecure)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (insecure ? _insecure : _secure).Value;
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var invoker in new[] { _secure, _insecure }.Where(i => i.IsValueCreated))
        {
            invoker.Value.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(bool insecure)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // redirects are followed by the client, which keeps credentials off other hosts
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // DNS changes are seen without rotating the handler
        };
        if (insecure)
        {
            // Only with --insecure-registry: self-signed or otherwise unverifiable certificates are accepted.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }

        return handler;
    }

    private sealed class SharedHandler(RegistryConnectionPool pool, bool insecure) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            pool.Invoker(insecure).SendAsync(request, cancellationToken);

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            pool.Invoker(insecure).Send(request, cancellationToken);
    }
}
