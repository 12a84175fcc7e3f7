using Comb.Server.Scans;
using Comb.Server.Vex;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Server;

/// <summary>The server's stored OpenVEX statements: written by the console's triage, applied to scans and presented reports.</summary>
public static partial class CombServer
{
    /// <summary>Registered by the server and by `comb worker`, so a worker's scans apply the same statements.</summary>
    public static IServiceCollection AddStoredVex(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => Data.ServerDatabase.Create(sp.GetRequiredService<ServerLocations>().Store));
        services.TryAddSingleton<VexStore>();
        services.TryAddSingleton<StoredVex>();
        services.TryAddSingleton<IScanVexSource>(sp => sp.GetRequiredService<StoredVex>());
        return services;
    }
}
