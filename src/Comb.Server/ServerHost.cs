using Comb.Engine;
using Comb.Engine.Cache;
using Comb.Server.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Comb.Server;

/// <summary>What `comb server` and `comb worker` compose alike from the server's settings, read when services resolve.</summary>
internal static class ServerHost
{
    /// <summary>The engine's defaults: cache directory, store, and the layer cache backend (a malformed one stops the start).</summary>
    public static CombHostOptions EngineOptions(IServiceProvider services)
    {
        var locations = services.GetRequiredService<ServerLocations>();
        var backend = services.GetRequiredService<IOptions<ServerSettings>>().Value.CacheBackend;
        LayerCacheBackends.Validate(backend);
        return new CombHostOptions { CacheDir = locations.CacheDir, StoreLocation = locations.Store, CacheBackend = backend };
    }

    /// <summary>Data protection with the key ring the settings name, so a server and its workers seal and unseal alike.</summary>
    public static IServiceCollection AddServerKeyRing(this IServiceCollection services) =>
        services.AddServerDataProtection(sp =>
            sp.GetRequiredService<IOptions<ServerSettings>>().Value.KeyRingDirectory(sp.GetRequiredService<ServerLocations>()));
}
