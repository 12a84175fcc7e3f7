using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Analyzers;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers the package-inventory analyzers (language ecosystems, OS databases, binaries).</summary>
    public static IServiceCollection AddCombAnalyzers(this IServiceCollection services)
    {
        services.AddSingleton<IAnalyzerProvider, InventoryAnalyzerProvider>();
        return services;
    }
}
