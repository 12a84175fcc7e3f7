using Comb.Image;
using Comb.Image.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Engine;

public static class ServiceCollectionExtensions
{
    /// <summary>The scan pipeline; areas register their analyzers, stages and writers with their own Add methods.</summary>
    public static IServiceCollection AddCombEngine(this IServiceCollection services)
    {
        services.AddCombImage();
        services.AddCombImageRegistry();
        services.AddSingleton<ImageScanner>();
        return services;
    }
}
