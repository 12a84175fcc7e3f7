using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Storage;

public static class ServiceCollectionExtensions
{
    public static IServiceCollection AddCombStorage(this IServiceCollection services)
    {
        services.AddSingleton<IScanStage, StoreStage>();
        return services;
    }
}
