using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Comb.Server.Auth;

/// <summary>
/// ASP.NET Core Data Protection for secrets the server keeps (registry credentials in queued scans): keys persisted in
/// one directory that the server and every worker share, under one application name, so what one seals another
/// unseals. Nothing is written outside that directory (the framework's default is a folder in the user's home).
/// </summary>
public static class ServerDataProtection
{
    /// <summary>The application discriminator: the same for every host of one deployment, whatever its content root.</summary>
    public const string ApplicationName = "comb-server";

    public static IServiceCollection AddServerDataProtection(this IServiceCollection services, string keyDirectory) =>
        services.AddServerDataProtection(_ => keyDirectory);

    /// <summary>For hosts whose settings are known only when services resolve (a test host's settings arrive late).</summary>
    internal static IServiceCollection AddServerDataProtection(this IServiceCollection services, Func<IServiceProvider, string> keyDirectory)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddOptions<KeyManagementOptions>().Configure<IServiceProvider, ILoggerFactory>((options, provider, logs) =>
        {
            var directory = Path.GetFullPath(keyDirectory(provider));

            // The keys unseal credentials: readable by the service's user only.
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(directory), logs);
        });
        return services;
    }
}
