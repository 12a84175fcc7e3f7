using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Comb.Image.Registry;

/// <summary>
/// What every <see cref="RegistryClient"/> of a host shares: pooled HTTP connections (through
/// <see cref="IHttpClientFactory"/>) and the registry auth state (schemes learned, bearer tokens per registry,
/// account and scope until they expire). A host registers one as a singleton; a client built without one gets
/// a private transport that it disposes.
/// </summary>
public sealed class RegistryTransport : IDisposable
{
    private const int MaxSchemes = 1024;

    // Either a factory given, or the transport's own container built on first use; typed loosely on purpose: a field
    // or Lazy over the factory's type would load the HTTP client assemblies with the transport.
    private readonly object? _factory;
    private readonly Lazy<ServiceProvider>? _owned;
    private readonly ConcurrentDictionary<string, string> _insecureSchemes = new(StringComparer.OrdinalIgnoreCase);
    private volatile bool _disposed;

    public RegistryTransport(IHttpClientFactory factory, TimeProvider time)
    {
        _factory = factory;
        Auth = new RegistryAuthCache(time);
    }

    /// <summary>
    /// A transport whose HTTP clients, retry pipeline and connection pool are composed on the first registry request
    /// and disposed with it: a command that never reaches a registry (a local image, a warm scan) does not load or
    /// build the HTTP and resilience stack (a dozen assemblies at start).
    /// </summary>
    private RegistryTransport(Func<ServiceProvider> compose, TimeProvider time)
    {
        _owned = new Lazy<ServiceProvider>(compose, LazyThreadSafetyMode.ExecutionAndPublication);
        Auth = new RegistryAuthCache(time);
    }

    internal RegistryAuthCache Auth { get; }

    /// <summary>A transport with its own connection pool and token cache, for code that runs without a host.</summary>
    public static RegistryTransport CreateStandalone() =>
        new(() => new ServiceCollection().AddCombRegistryHttp().BuildServiceProvider(), TimeProvider.System);

    /// <summary>A host's shared transport: its HTTP stack logs through the host's <paramref name="loggers"/> and is built on first use.</summary>
    public static RegistryTransport CreateDeferred(ILoggerFactory loggers, TimeProvider time) =>
        new(() => new ServiceCollection().AddSingleton(loggers).AddCombRegistryHttp().BuildServiceProvider(), time);

    /// <summary>A client for the shared pool; cheap, and not to be disposed (the factory owns the handler).</summary>
    internal HttpClient Client(bool insecure)
    {
        // Not composed after the host closed the transport (it would never be disposed).
        ObjectDisposedException.ThrowIf(_disposed && _owned is { IsValueCreated: false }, this);
        var factory = (IHttpClientFactory?)_factory ?? _owned!.Value.GetRequiredService<IHttpClientFactory>();
        return factory.CreateClient(insecure ? RegistryHttp.InsecureClient : RegistryHttp.SecureClient);
    }

    /// <summary>The scheme an insecure registry was found to speak (so later images skip the HTTPS probe), or null.</summary>
    internal string? InsecureScheme(string host) => _insecureSchemes.GetValueOrDefault(host);

    internal void RememberInsecureScheme(string host, string scheme)
    {
        if (_insecureSchemes.Count >= MaxSchemes)
        {
            _insecureSchemes.Clear();
        }

        _insecureSchemes[host] = scheme;
    }

    public void Dispose()
    {
        _disposed = true;
        if (_owned is { IsValueCreated: true })
        {
            _owned.Value.Dispose();
        }
    }
}
