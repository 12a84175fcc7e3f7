using System.Security.Claims;
using System.Security.Cryptography;
using Comb.Jobs;
using Comb.Server.Auth;
using Microsoft.AspNetCore.Http;

namespace Comb.Server.Data;

/// <summary>One entry: who (token id and name), when, what, on which object, from which address.</summary>
public sealed record AuditEntry(string Id, DateTimeOffset At, string Actor, string Action, string? Target, string? Detail, string? Address);

/// <summary>
/// The audit log: every change to policies, exceptions and tokens, and every scan submitted. Written before the API
/// answers, so an acknowledged change always has its entry.
/// </summary>
public sealed class AuditLog(ServerDatabase database, TimeProvider time)
{
    public async Task WriteAsync(HttpContext context, string action, string? target, string? detail, CancellationToken cancellationToken) =>
        await WriteAsync(ActorOf(context.User), action, target, detail, context.Connection.RemoteIpAddress?.ToString(), cancellationToken).ConfigureAwait(false);

    public async Task WriteAsync(string actor, string action, string? target, string? detail, string? address, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null,
            "INSERT INTO audit_log (id, at, actor, action, target, detail, address) VALUES (@id, @at, @actor, @action, @target, @detail, @address)", cancellationToken,
            ("id", now.ToUnixTimeMilliseconds().ToString("x12", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))),
            ("at", now.ToUnixTimeMilliseconds()), ("actor", actor), ("action", action), ("target", target), ("detail", detail), ("address", address)).ConfigureAwait(false);
    }

    /// <summary>Newest first, optionally since a time.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(DateTimeOffset? since, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = JobDb.Command(connection, null,
            "SELECT id, at, actor, action, target, detail, address FROM audit_log WHERE at >= @since ORDER BY id DESC LIMIT @limit",
            [("since", since?.ToUnixTimeMilliseconds() ?? 0L), ("limit", limit)]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new AuditEntry(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(reader.GetValue(1))), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return entries;
    }

    /// <summary>"name (token id)" of the caller; "system" for the server's own actions.</summary>
    public static string ActorOf(ClaimsPrincipal user) =>
        user.FindFirstValue(TokenAuthenticationHandler.TokenIdClaim) is { } id ? $"{user.Identity?.Name} ({id})" : "system";
}
