using Comb.Server.Api;
using Comb.Server.History;
using Comb.Server.Metrics;
using Comb.Server.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Server;

/// <summary>The read-and-manage half of the API: images, history, trace, diff, impact, rescan, audit, policies, metrics.</summary>
public static partial class CombServer
{
    private static void AddReadAndManage(IServiceCollection services)
    {
        services.AddSingleton<ServerStore>();
        services.AddSingleton<RescanGate>();
        services.AddSingleton<PolicyStore>();
        services.TryAddSingleton<ServerMetrics>();
        services.AddSingleton<IPolicyCatalog, PolicyCatalog>();
    }

    private static void MapReadAndManage(WebApplication app, RouteGroupBuilder api)
    {
        ImageEndpoints.Map(api);
        HistoryEndpoints.Map(api);
        TraceEndpoints.Map(api);
        DiffEndpoints.Map(api);
        ImpactEndpoints.Map(api);
        RescanEndpoints.Map(api);
        AuditEndpoints.Map(api);
        PolicyEndpoints.Map(api);
        ExceptionEndpoints.Map(api);
        MetricsEndpoint.Map(app);
    }
}
