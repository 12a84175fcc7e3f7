using Comb.Server.Auth;
using Comb.Server.WebConsole;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server;

/// <summary>The web console at /: server-rendered pages with the API's tokens and roles (docs/console.md).</summary>
public static partial class CombServer
{
    private static void AddConsole(IServiceCollection services)
    {
        services.AddSingleton<ConsoleSessions>();
        services.AddSingleton<ConsoleScans>();
        services.AddStoredVex();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ConsoleSessionHandler>(ConsoleSessionHandler.SchemeName, null)
            .AddPolicyScheme(ConsoleAuth.Scheme, null, o => o.ForwardDefaultSelector = ConsoleAuth.SelectScheme);
        services.AddAuthorizationBuilder()
            .AddPolicy(ConsoleAuth.CanRead, p => p.AddAuthenticationSchemes(ConsoleAuth.Scheme).RequireRole(ServerRoles.Admin, ServerRoles.Scanner, ServerRoles.Viewer))
            .AddPolicy(ConsoleAuth.CanScan, p => p.AddAuthenticationSchemes(ConsoleAuth.Scheme).RequireRole(ServerRoles.Admin, ServerRoles.Scanner))
            .AddPolicy(ConsoleAuth.CanAdminister, p => p.AddAuthenticationSchemes(ConsoleAuth.Scheme).RequireRole(ServerRoles.Admin));
    }

    private static void MapConsole(WebApplication app) => ConsoleEndpoints.Map(app);
}
