using Comb.Server.Auth;
using Comb.Server.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Comb.Server;

/// <summary>
/// Runs before the server listens: migrates the server's tables once, and on the very first start makes an admin
/// token and prints it (the only time it is shown).
/// </summary>
internal sealed partial class ServerStartup(ServerDatabase database, ApiTokens tokens, AuditLog audit, ILogger<ServerStartup> logger) : IHostedService
{
    /// <summary>Where the first admin token is written; standard output unless a host says otherwise.</summary>
    public static TextWriter TokenOutput { get; set; } = Console.Out;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (await tokens.AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var issued = await tokens.CreateAsync(ServerRoles.Admin, "first admin", "system", cancellationToken).ConfigureAwait(false);
        await audit.WriteAsync("system", "token.create", issued.Token.Id, "role=admin (first start)", null, cancellationToken).ConfigureAwait(false);
        LogFirstToken(logger, issued.Token.Id);
        await TokenOutput.WriteLineAsync($"admin token (shown once, keep it): {issued.Secret}").ConfigureAwait(false);
        await TokenOutput.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "first start: admin token {TokenId} created")]
    private static partial void LogFirstToken(ILogger logger, string tokenId);
}
