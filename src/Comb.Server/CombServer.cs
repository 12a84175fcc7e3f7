using Comb.Engine;
using Comb.Server.Api;
using Comb.Server.Auth;
using Comb.Server.Data;
using Comb.Server.Scans;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Comb.Server;

/// <summary>
/// Builds the Comb server: the engine (<see cref="ServiceCollectionExtensions.AddComb"/>), the server's tables, token
/// authentication with three roles, and the API under /api/v1. Settings are read when services are first resolved, not
/// while building, so a test host's settings apply as well as the command line's.
/// </summary>
public static partial class CombServer
{
    /// <summary>Command-line flags and the settings they set.</summary>
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--listen"] = $"{ServerSettings.Section}:{nameof(ServerSettings.Listen)}",
        ["--store"] = $"{ServerSettings.Section}:{nameof(ServerSettings.Store)}",
        ["--cache-dir"] = $"{ServerSettings.Section}:{nameof(ServerSettings.CacheDir)}",
        ["--workers"] = $"{ServerSettings.Section}:{nameof(ServerSettings.Workers)}",
        ["--cache-backend"] = $"{ServerSettings.Section}:{nameof(ServerSettings.CacheBackend)}",
    };

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args });
        builder.Configuration.AddCommandLine(args, Switches);
        var listen = builder.Configuration[Switches["--listen"]] ?? new ServerSettings().Listen;
        builder.WebHost.UseUrls(listen);
        builder.Services.AddOptions<ServerSettings>().Bind(builder.Configuration.GetSection(ServerSettings.Section));
        AddServices(builder.Services);
        AddAdmission(builder);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        MapEndpoints(app);
        return app;
    }

    private static void AddServices(IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<ServerSettings>>().Value;
            return ServerLocations.Of(settings.CacheDir, settings.Store);
        });

        // The engine's defaults come from the server's settings (registered first: AddComb keeps an existing one).
        services.AddSingleton(ServerHost.EngineOptions);
        services.AddComb();
        services.AddSingleton(sp => ServerDatabase.Create(sp.GetRequiredService<ServerLocations>().Store));
        services.AddSingleton<ApiTokens>();
        services.AddSingleton<AuditLog>();
        services.AddHostedService<ServerStartup>();

        // Seals registry credentials in queued scans and stored registries; workers sharing the key directory unseal them.
        services.AddServerKeyRing();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ServerRoles.CanRead, p => p.RequireRole(ServerRoles.Admin, ServerRoles.Scanner, ServerRoles.Viewer))
            .AddPolicy(ServerRoles.CanScan, p => p.RequireRole(ServerRoles.Admin, ServerRoles.Scanner))
            .AddPolicy(ServerRoles.CanAdminister, p => p.RequireRole(ServerRoles.Admin));
        services.AddOpenApi("v1");

        // Scans: the queue, its handler and the in-process workers.
        services.AddScanning();
        AddReadAndManage(services);
        AddRegistries(services);
        AddHarbor(services);
        AddConsole(services);
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        var api = app.MapGroup("/api/v1").RequireAuthorization(ServerRoles.CanRead);
        TokenEndpoints.Map(api);
        ScanEndpoints.Map(app, api);
        MapReadAndManage(app, api);
        MapRegistries(api);
        MapHarbor(app);
        MapConsole(app);
        MapRuntime(api);
        MapAdmission(app, api);
    }
}
