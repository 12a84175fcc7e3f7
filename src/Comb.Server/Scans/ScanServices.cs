using Comb.Engine;
using Comb.Server.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Comb.Server.Scans;

/// <summary>The scan queue, its handler and the in-process workers, as the server and `comb worker` both compose them.</summary>
public static class ScanServices
{
    /// <summary>Needs <see cref="ServerLocations"/>, <see cref="ServerSettings"/> and the engine (AddComb) registered too.</summary>
    public static IServiceCollection AddScanning(this IServiceCollection services)
    {
        services.AddOptions<ScanSettings>().BindConfiguration(ServerSettings.Section);
        services.AddSingleton<ScanQueue>();
        services.AddSingleton<ScanJobHandler>();
        services.AddSingleton<CredentialSeal>();
        services.AddSingleton<AdvisoryDbVersion>();
        services.AddHostedService<ScanWorkerService>();

        // The engine reports every scan's progress to this sink too, so layer times and cache hits are real ones.
        services.TryAddSingleton<ServerMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IScanProgressSink, ScanMetricsSink>());

        // Running scans get their grace to finish before the host gives up on stopping.
        services.AddOptions<HostOptions>().Configure<IOptions<ScanSettings>>((host, scans) =>
            host.ShutdownTimeout = TimeSpan.FromSeconds(scans.Value.ShutdownGraceSeconds + 15));
        return services;
    }
}
