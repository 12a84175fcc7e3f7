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
    /// the shared <see cref="RegistryTransport"/> (pooled connections, retries, cached tokens) every registry client uses.
    /// </summary>
    public static IServiceCollection AddCombImageRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton<RegistryCredentialResolver>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddCombRegistryHttp();
        services.TryAddSingleton(sp => new RegistryTransport(sp.GetRequiredService<IHttpClientFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IImageSource>(sp => new RegistryImageSource(
            sp.GetRequiredService<RegistryCredentialResolver>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            sp.GetRequiredService<RegistryTransport>()));
        return services;
    }
}
