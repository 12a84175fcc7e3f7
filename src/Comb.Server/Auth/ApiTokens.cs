using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;
using Comb.Jobs;
using Comb.Server.Data;

namespace Comb.Server.Auth;

/// <summary>A token as the server keeps it: never the secret itself, only its SHA-256.</summary>
public sealed record ApiToken(string Id, string Name, string Role, DateTimeOffset CreatedAt, string? CreatedBy, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>A newly made token: <see cref="Secret"/> is shown once and is not kept.</summary>
public sealed record IssuedToken(ApiToken Token, string Secret);

/// <summary>
/// API tokens: 32 random bytes shown once as "comb_" + base64url, stored as a SHA-256 hash. Random tokens of this length
/// need no slow hash (nothing to guess), and a lookup by hash compares in the database, not in a timing-visible loop.
/// </summary>
public sealed class ApiTokens(ServerDatabase database, TimeProvider time)
{
    private const string Prefix = "comb_";

    public async Task<IssuedToken> CreateAsync(string role, string? name, string? createdBy, CancellationToken cancellationToken)
    {
        if (!ServerRoles.IsKnown(role))
        {
            throw new CombInputException($"unknown role '{role}' (expected {string.Join(", ", ServerRoles.All)})");
        }

        var secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var token = new ApiToken(NewId(now), string.IsNullOrWhiteSpace(name) ? role : name.Trim(), role, now, createdBy, null, null);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null,
            "INSERT INTO api_tokens (id, name, role, hash, created_at, created_by) VALUES (@id, @name, @role, @hash, @at, @by)", cancellationToken,
            ("id", token.Id), ("name", token.Name), ("role", role), ("hash", Hash(secret)), ("at", now.ToUnixTimeMilliseconds()), ("by", createdBy)).ConfigureAwait(false);
        return new IssuedToken(token, secret);
    }

    /// <summary>The live token a secret belongs to, or null (unknown, revoked or malformed).</summary>
    public async Task<ApiToken?> FindAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 128)
        {
            return null;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var found = await QueryAsync(connection, "WHERE hash = @hash AND revoked_at IS NULL", cancellationToken, ("hash", Hash(secret))).ConfigureAwait(false);
        return found.FirstOrDefault();
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await QueryAsync(connection, "ORDER BY created_at, id", cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var count = await JobDb.ScalarAsync(connection, null, "SELECT COUNT(*) FROM api_tokens", cancellationToken).ConfigureAwait(false);
        return count is not null && JobDb.ToLong(count) > 0;
    }

    /// <summary>Revokes a token by id; false when there is no such live token.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await JobDb.ExecuteAsync(connection, null, "UPDATE api_tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL", cancellationToken,
            ("at", time.GetUtcNow().ToUnixTimeMilliseconds()), ("id", id)).ConfigureAwait(false);
        return changed > 0;
    }

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static async Task<IReadOnlyList<ApiToken>> QueryAsync(DbConnection connection, string where, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = JobDb.Command(connection, null, "SELECT id, name, role, created_at, created_by, revoked_at, last_used_at FROM api_tokens " + where, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tokens = new List<ApiToken>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(new ApiToken(reader.GetString(0), reader.GetString(1), reader.GetString(2), Time(reader.GetValue(3))!.Value,
                reader.IsDBNull(4) ? null : reader.GetString(4), Time(reader.GetValue(5)), Time(reader.GetValue(6))));
        }

        return tokens;
    }

    private static DateTimeOffset? Time(object value) => value is DBNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(value));

    private static string NewId(DateTimeOffset now) => "tok_" + now.ToUnixTimeMilliseconds().ToString("x", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
