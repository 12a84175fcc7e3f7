using Comb.Analyzers;
using Comb.Checks;
using Comb.Engine.Cache;
using Comb.Engine.Logging;
using Comb.Image;
using Comb.Image.Registry;
using Comb.Malware;
using Comb.Reporting;
using Comb.Secrets;
using Comb.Storage;
using Comb.VulnDb;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Engine;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The whole engine, as every host (CLI, server, workers) composes it: image sources, analyzers, matching, checks,
    /// verdict, report writers and the host-owned scan stores, and the engine's logging (<see cref="CombLogging"/>).
    /// Disposing the provider releases what the engine opened.
    /// </summary>
    public static IServiceCollection AddComb(this IServiceCollection services, Action<CombHostOptions>? configure = null)
    {
        var host = new CombHostOptions();
        configure?.Invoke(host);
        services.TryAddSingleton(host);
        services.TryAddSingleton(new ScanBudget(host.MaxConcurrentScans, host.MaxBufferBytes));
        services.AddLogging(logging => CombLogging.Configure(logging, host));
        services.AddCombEngine();
        services.AddCombAnalyzers();
        services.AddCombVulnDb();
        services.AddCombSecrets();
        services.AddCombMalware();
        services.AddCombChecks();
        services.AddCombReporting();
        services.AddCombStorage();
        return services;
    }

    /// <summary>The scan pipeline alone; areas register their analyzers, stages and writers with their own Add methods.</summary>
    public static IServiceCollection AddCombEngine(this IServiceCollection services)
    {
        services.AddCombImage();
        services.AddCombImageRegistry();
        services.TryAddSingleton<LayerCacheBackends>();
        services.AddSingleton<ImageScanner>();
        return services;
    }
}
