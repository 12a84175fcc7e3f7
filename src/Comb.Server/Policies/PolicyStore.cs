using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Data;

namespace Comb.Server.Policies;

/// <summary>
/// Policies (by name, with every revision kept) and their exceptions, in the server's database. Writes run in one
/// write transaction each; on PostgreSQL an advisory lock orders concurrent policy saves so revisions never collide.
/// </summary>
public sealed class PolicyStore(ServerDatabase database, TimeProvider time)
{
    private const long SaveLock = 4242302;
    private const string ExceptionColumns = "id, policy, finding, package, image, rules, expires, reason, created_at, created_by, updated_at, updated_by, expired_at, owner";

    public async Task<StoredPolicy?> GetAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var found = await QueryAsync(connection, null, "SELECT name, revision, yaml, created_at, updated_at, updated_by FROM policies WHERE name = @n", ReadPolicy, cancellationToken, ("n", name)).ConfigureAwait(false);
        return found.FirstOrDefault();
    }

    public async Task<IReadOnlyList<StoredPolicy>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await QueryAsync(connection, null, "SELECT name, revision, yaml, created_at, updated_at, updated_by FROM policies ORDER BY name", ReadPolicy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Saves a new revision (revision 1 creates the policy).</summary>
    public async Task<StoredPolicy> SaveAsync(string name, string yaml, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        if (database.IsPostgres)
        {
            await JobDb.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(@k)", cancellationToken, ("k", SaveLock)).ConfigureAwait(false);
        }

        var current = await JobDb.ScalarAsync(connection, transaction, "SELECT revision FROM policies WHERE name = @n", cancellationToken, ("n", name)).ConfigureAwait(false);
        var revision = current is null or DBNull ? 1 : JobDb.ToInt(current) + 1;
        if (revision == 1)
        {
            await JobDb.ExecuteAsync(connection, transaction, "INSERT INTO policies (name, revision, yaml, created_at, updated_at, updated_by) VALUES (@n, 1, @y, @at, @at, @by)",
                cancellationToken, ("n", name), ("y", yaml), ("at", now), ("by", actor)).ConfigureAwait(false);
        }
        else
        {
            await JobDb.ExecuteAsync(connection, transaction, "UPDATE policies SET revision = @r, yaml = @y, updated_at = @at, updated_by = @by WHERE name = @n",
                cancellationToken, ("n", name), ("r", revision), ("y", yaml), ("at", now), ("by", actor)).ConfigureAwait(false);
        }

        await JobDb.ExecuteAsync(connection, transaction, "INSERT INTO policy_revisions (name, revision, yaml, created_at, created_by) VALUES (@n, @r, @y, @at, @by)",
            cancellationToken, ("n", name), ("r", revision), ("y", yaml), ("at", now), ("by", actor)).ConfigureAwait(false);
        var saved = await QueryAsync(connection, transaction, "SELECT name, revision, yaml, created_at, updated_at, updated_by FROM policies WHERE name = @n", ReadPolicy, cancellationToken, ("n", name)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return saved[0];
    }

    /// <summary>Every revision of a policy, newest first.</summary>
    public async Task<IReadOnlyList<PolicyRevision>> RevisionsAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await QueryAsync(connection, null, "SELECT name, revision, yaml, created_at, created_by FROM policy_revisions WHERE name = @n ORDER BY revision DESC",
            ReadRevision, cancellationToken, ("n", name)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredException>> ExceptionsAsync(string? policy, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var where = policy is null ? "" : "WHERE policy = @p";
        return await QueryAsync(connection, null, $"SELECT {ExceptionColumns} FROM policy_exceptions {where} ORDER BY created_at, id", ReadException, cancellationToken, ("p", policy)).ConfigureAwait(false);
    }

    public async Task<StoredException?> ExceptionAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var found = await QueryAsync(connection, null, $"SELECT {ExceptionColumns} FROM policy_exceptions WHERE id = @id", ReadException, cancellationToken, ("id", id)).ConfigureAwait(false);
        return found.FirstOrDefault();
    }

    /// <summary>Adds an exception; its owner is <paramref name="defaultOwner"/> unless the fields name one.</summary>
    public async Task<StoredException> CreateExceptionAsync(string policy, ExceptionFields fields, string actor, CancellationToken cancellationToken, string? defaultOwner = null)
    {
        fields = fields with { Owner = Blank(fields.Owner) ?? Blank(defaultOwner) };
        var now = time.GetUtcNow();
        var id = "exc_" + now.ToUnixTimeMilliseconds().ToString("x12", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null, $"""
            INSERT INTO policy_exceptions ({ExceptionColumns})
            VALUES (@id, @policy, @finding, @package, @image, @rules, @expires, @reason, @at, @by, @at, @by, NULL, @owner)
            """, cancellationToken, [("id", id), ("policy", policy), .. FieldParameters(fields), ("at", now.ToUnixTimeMilliseconds()), ("by", actor)]).ConfigureAwait(false);
        return (await ExceptionAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Replaces what an exception exempts (its owner only when the fields name one); false when there is no such exception.</summary>
    public async Task<bool> UpdateExceptionAsync(string id, ExceptionFields fields, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await JobDb.ExecuteAsync(connection, null, """
            UPDATE policy_exceptions SET finding = @finding, package = @package, image = @image, rules = @rules, expires = @expires, reason = @reason,
              owner = COALESCE(@owner, owner), updated_at = @at, updated_by = @by WHERE id = @id
            """, cancellationToken, [("id", id), .. FieldParameters(fields), ("at", time.GetUtcNow().ToUnixTimeMilliseconds()), ("by", actor)]).ConfigureAwait(false);
        return changed > 0;
    }

    /// <summary>Hands a live exception to another owner; false when there is no such live exception.</summary>
    public async Task<bool> SetOwnerAsync(string id, string owner, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await JobDb.ExecuteAsync(connection, null, "UPDATE policy_exceptions SET owner = @owner, updated_at = @at, updated_by = @by WHERE id = @id AND expired_at IS NULL",
            cancellationToken, ("id", id), ("owner", owner.Trim()), ("at", time.GetUtcNow().ToUnixTimeMilliseconds()), ("by", actor)).ConfigureAwait(false);
        return changed > 0;
    }

    /// <summary>Ends an exception now; false when there is no such exception or it was already ended.</summary>
    public async Task<bool> ExpireExceptionAsync(string id, string actor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await JobDb.ExecuteAsync(connection, null, "UPDATE policy_exceptions SET expired_at = @at, updated_at = @at, updated_by = @by WHERE id = @id AND expired_at IS NULL",
            cancellationToken, ("id", id), ("at", now), ("by", actor)).ConfigureAwait(false);
        return changed > 0;
    }

    private static (string, object?)[] FieldParameters(ExceptionFields fields) =>
    [
        ("finding", Blank(fields.Finding)), ("package", Blank(fields.Package)), ("image", Blank(fields.Image)),
        ("rules", JsonSerializer.Serialize(fields.Rules ?? [])), ("expires", fields.Expires?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        ("reason", fields.Reason?.Trim() ?? ""), ("owner", Blank(fields.Owner)),
    ];

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static async Task<List<T>> QueryAsync<T>(DbConnection connection, DbTransaction? transaction, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var command = JobDb.Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static DateTimeOffset At(object value) => DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(value));

    private static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static StoredPolicy ReadPolicy(DbDataReader r) =>
        new(r.GetString(0), JobDb.ToInt(r.GetValue(1)), r.GetString(2), At(r.GetValue(3)), At(r.GetValue(4)), Text(r, 5));

    private static PolicyRevision ReadRevision(DbDataReader r) =>
        new(r.GetString(0), JobDb.ToInt(r.GetValue(1)), r.GetString(2), At(r.GetValue(3)), Text(r, 4));

    private static StoredException ReadException(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), Text(r, 2), Text(r, 3), Text(r, 4), JsonSerializer.Deserialize<List<string>>(r.GetString(5)) ?? [],
        Text(r, 6) is { } expires ? DateOnly.ParseExact(expires, "yyyy-MM-dd", CultureInfo.InvariantCulture) : null, r.GetString(7),
        At(r.GetValue(8)), Text(r, 9), At(r.GetValue(10)), Text(r, 11), r.IsDBNull(12) ? null : At(r.GetValue(12)), Text(r, 13));
}
