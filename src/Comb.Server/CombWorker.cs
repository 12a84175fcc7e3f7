using Comb.Engine;
using Comb.Server.Scans;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Comb.Server;

/// <summary>
/// `comb worker`: the server's scan handler and job slots without HTTP, on a shared store (PostgreSQL for several
/// hosts). Stops on SIGTERM/SIGINT: running scans finish within the grace, the rest go back to the queue.
/// </summary>
public static class CombWorker
{
    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--store"] = $"{ServerSettings.Section}:{nameof(ServerSettings.Store)}",
        ["--cache-dir"] = $"{ServerSettings.Section}:{nameof(ServerSettings.CacheDir)}",
        ["--workers"] = $"{ServerSettings.Section}:{nameof(ServerSettings.Workers)}",
        ["--cache-backend"] = $"{ServerSettings.Section}:{nameof(ServerSettings.CacheBackend)}",
    };

    public static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args });
        builder.Configuration.AddCommandLine(args, Switches);
        builder.Services.AddOptions<ServerSettings>().Bind(builder.Configuration.GetSection(ServerSettings.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<ServerSettings>>().Value;
            return ServerLocations.Of(settings.CacheDir, settings.Store);
        });
        builder.Services.AddSingleton(ServerHost.EngineOptions);
        builder.Services.AddComb();
        builder.Services.AddServerKeyRing();
        builder.Services.AddScanning();
        builder.Services.AddRegistryCredentials();
        builder.Services.AddStoredVex();
        return builder.Build();
    }
}
