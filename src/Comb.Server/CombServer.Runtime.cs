using Comb.Server.Api;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server;

/// <summary>The runtime part of the API: running containers and their drift, as `comb runtime watch` recorded them.</summary>
public static partial class CombServer
{
    private static void MapRuntime(RouteGroupBuilder api) => RuntimeEndpoints.Map(api);
}
