using Comb.Server.Api;
using Comb.Server.Auth;
using Comb.Server.Registries;
using Comb.Server.Scans;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Server;

/// <summary>Registries: stored registries, their scans, schedules and push notifications.</summary>
public static partial class CombServer
{
    private static void AddRegistries(IServiceCollection services)
    {
        services.AddRegistryCredentials();
        services.AddOptions<RegistrySettings>().BindConfiguration(ServerSettings.Section);
        services.AddSingleton<AnalyzerSignature>();
        services.AddSingleton<RegistryScanService>();
        services.AddHostedService<RegistryScheduler>();
    }

    /// <summary>
    /// What a scan of a stored registry's image needs on any host that runs scans (server or `comb worker`): the
    /// registries table, to sign in with the stored credentials (the key ring comes from AddServerKeyRing, added by both).
    /// </summary>
    public static IServiceCollection AddRegistryCredentials(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => Data.ServerDatabase.Create(sp.GetRequiredService<ServerLocations>().Store));
        services.AddSingleton<RegistryStore>();
        services.AddSingleton<IScanCredentialSource, RegistryCredentialSource>();
        return services;
    }

    private static void MapRegistries(RouteGroupBuilder api) => RegistryEndpoints.Map(api);
}
