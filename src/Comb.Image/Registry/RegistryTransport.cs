using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

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

    private readonly IHttpClientFactory _factory;
    private readonly ServiceProvider? _owned;
    private readonly ConcurrentDictionary<string, string> _insecureSchemes = new(StringComparer.OrdinalIgnoreCase);

    public RegistryTransport(IHttpClientFactory factory, TimeProvider time)
    {
        _factory = factory;
        Auth = new RegistryAuthCache(time);
    }

    private RegistryTransport(ServiceProvider owned)
        : this(owned.GetRequiredService<IHttpClientFactory>(), TimeProvider.System)
    {
        _owned = owned;
    }

    internal RegistryAuthCache Auth { get; }

    /// <summary>A transport with its own connection pool and token cache, for code that runs without a host.</summary>
    public static RegistryTransport CreateStandalone() =>
        new(new ServiceCollection().AddCombRegistryHttp().BuildServiceProvider());

    /// <summary>A client for the shared pool; cheap, and not to be disposed (the factory owns the handler).</summary>
    internal HttpClient Client(bool insecure) => _factory.CreateClient(insecure ? RegistryHttp.InsecureClient : RegistryHttp.SecureClient);

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

    public void Dispose() => _owned?.Dispose();
}
