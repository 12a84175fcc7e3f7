using Comb.Contracts;
using Comb.Secrets;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Secrets;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers the secret scanner: file and config analyzers, via its analyzer provider.</summary>
    public static IServiceCollection AddCombSecrets(this IServiceCollection services)
    {
        services.AddSingleton<SecretAnalyzerProvider>();
        services.AddSingleton<IAnalyzerProvider>(sp => sp.GetRequiredService<SecretAnalyzerProvider>());
        services.AddSingleton<IPublishedSecretValueReader, Config.GitleaksPublishedValueReader>();
        return services;
    }
}
