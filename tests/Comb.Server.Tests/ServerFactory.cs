using System.Net.Http.Headers;
using Comb.Server.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Comb.Server.Tests;

/// <summary>
/// The real server (same Program, same services) on an in-memory transport, with its own cache directory and SQLite
/// store (or the PostgreSQL URL given), and a token per role to call it with.
/// </summary>
public sealed class ServerFactory : WebApplicationFactory<Program>
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "comb-server-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _settings;

    private readonly TimeProvider? _time;

    /// <param name="time">The server's clock (a test clock to move expiry dates); the system clock when null.</param>
    public ServerFactory(IReadOnlyDictionary<string, string>? settings = null, TimeProvider? time = null)
    {
        _time = time;
        System.IO.Directory.CreateDirectory(_dir);
        _settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Comb:CacheDir"] = Path.Combine(_dir, "cache"),
            ["Comb:Workers"] = "0",

            // Request-by-request information logs from hundreds of servers would bury a failing test's message.
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            _settings[key] = value;
        }
    }

    public string Root => _dir;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_time is not null)
        {
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton(_time);
            });
        }
    }

    /// <summary>A client carrying a fresh token of the role (null: no Authorization header).</summary>
    public async Task<HttpClient> ClientAsync(string? role)
    {
        var client = CreateClient();
        if (role is not null)
        {
            var issued = await Services.GetRequiredService<ApiTokens>().CreateAsync(role, "test " + role, "test", CancellationToken.None);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued.Secret);
        }

        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open is left to the temp cleaner; the test's outcome does not depend on it
        }
    }
}
