using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Comb.Image.Registry;

public static class RegistryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the registry image source (<see cref="IImageSource"/> of kind "registry"), its credential lookup and
    /// the shared <see cref="RegistryTransport"/> (pooled connections, retries, cached tokens) every registry client uses;
    /// the transport's HTTP clients and connection pool are built on its first request and closed with the host.
    /// </summary>
    public static IServiceCollection AddCombImageRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton<RegistryCredentialResolver>();
        services.TryAddSingleton(TimeProvider.System);
        // The HTTP clients live in the transport's own container, composed on the first registry request (see
        // RegistryTransport.CreateDeferred), so commands that never reach a registry skip that start-up cost.
        services.TryAddSingleton(sp => RegistryTransport.CreateDeferred(
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IImageSource>(sp => new RegistryImageSource(
            sp.GetRequiredService<RegistryCredentialResolver>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetRequiredService<RegistryTransport>()));
        return services;
    }
}
