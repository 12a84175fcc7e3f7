using Comb.Server.Harbor;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server;

/// <summary>The Harbor pluggable scanner adapter, at /harbor/api/v1 (docs/harbor.md).</summary>
public static partial class CombServer
{
    private static void MapHarbor(WebApplication app) => HarborEndpoints.Map(app);

    private static void AddHarbor(IServiceCollection services) =>
        services.AddOptions<HarborSettings>().BindConfiguration(ServerSettings.Section);
}
