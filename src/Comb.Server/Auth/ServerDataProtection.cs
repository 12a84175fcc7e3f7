using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Comb.Server.Auth;

/// <summary>
/// ASP.NET Core Data Protection with its key ring in a directory the server owns (&lt;cache&gt;/server/keys unless
/// Comb:KeyRingDir says otherwise), so secrets it protects (stored registry credentials) stay readable across restarts
/// and by every server and worker that shares the directory. Nothing is written outside it.
/// </summary>
public static class ServerDataProtection
{
    /// <summary>Application name: keys and protected values are shared by every Comb server and worker, whatever its path.</summary>
    public const string ApplicationName = "comb-server";

    public static IServiceCollection AddServerDataProtection(this IServiceCollection services, string keyDirectory) =>
        services.AddServerDataProtection(_ => keyDirectory);

    /// <summary>The directory is asked for when options are first read, so a test host's settings apply too.</summary>
    internal static IServiceCollection AddServerDataProtection(this IServiceCollection services, Func<IServiceProvider, string> keyDirectory)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
        {
            var directory = PrepareDirectory(keyDirectory(sp));
            options.XmlRepository = new FileSystemXmlRepository(directory, sp.GetService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        }));
        return services;
    }

    /// <summary>Comb:KeyRingDir, else &lt;cache&gt;/server/keys.</summary>
    public static string KeyDirectoryOf(IConfiguration configuration, ServerLocations locations) =>
        configuration[$"{ServerSettings.Section}:KeyRingDir"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(locations.CacheDir, "server", "keys");

    /// <summary>Made readable by the owner only: the keys decrypt stored credentials.</summary>
    private static DirectoryInfo PrepareDirectory(string path)
    {
        var directory = new DirectoryInfo(path);
        if (!directory.Exists)
        {
            directory = OperatingSystem.IsWindows()
                ? Directory.CreateDirectory(path)
                : Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return directory;
    }
}
