using Comb.Checks.Config;
using Comb.Checks.Policy;
using Comb.Checks.Trust;
using Comb.Contracts;
using Comb.Image.Registry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Checks;

public static class ServiceCollectionExtensions
{
    /// <summary>Registers the file-note analyzer, configuration checks and trust stages, and the verdict service (policy, fail-on).</summary>
    public static IServiceCollection AddCombChecks(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RegistryCredentialResolver>();
        services.TryAddSingleton<ISignatureStoreFactory, RegistrySignatureStores>();
        services.TryAddSingleton(sp => new Commands.TrustCommandHandlers(sp.GetRequiredService<RegistryCredentialResolver>()));
        services.AddSingleton<IAnalyzerProvider, CheckAnalyzerProvider>();
        services.AddSingleton<IScanStage, ConfigCheckStage>();
        services.AddSingleton<IScanStage, TrustStage>();
        services.TryAddSingleton<IVerdictService, VerdictService>();
        return services;
    }
}
