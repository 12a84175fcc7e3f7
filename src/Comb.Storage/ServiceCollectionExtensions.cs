using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Storage;

public static class ServiceCollectionExtensions
{
    /// <summary>The host's scan stores (opened once per location, disposed with the host) and the recorder scans use.</summary>
    public static IServiceCollection AddCombStorage(this IServiceCollection services)
    {
        services.TryAddSingleton<ScanStores>();
        services.TryAddSingleton<IScanRecorder, ScanRecorder>();
        return services;
    }
}
