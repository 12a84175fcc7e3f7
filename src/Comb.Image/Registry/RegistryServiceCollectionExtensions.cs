using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Comb.Image.Registry;

public static class RegistryServiceCollectionExtensions
{
    /// <summary>Registers the registry image source (<see cref="IImageSource"/> of kind "registry") and its credential lookup.</summary>
    public static IServiceCollection AddCombImageRegistry(this IServiceCollection services)
    {
        services.TryAddSingleton<RegistryCredentialResolver>();
        services.AddSingleton<IImageSource>(sp => new RegistryImageSource(
            sp.GetRequiredService<RegistryCredentialResolver>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        return services;
    }
}
