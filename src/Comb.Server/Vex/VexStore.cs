using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Data;

namespace Comb.Server.Vex;

/// <summary>
/// The server's OpenVEX statements (made by triage in the console), in the server's database. Statements are never
/// changed: a new judgement is a new statement, and revoking one stops it being applied or published.
/// </summary>
public sealed class VexStore(ServerDatabase database, TimeProvider time)
{
    private const string Columns = "id, vulnerability, aliases, image, image_name, package_purl, status, justification, impact, author, created_at, revoked_at, revoked_by";

    private readonly Lazy<Task> _migrated = new(() => database.MigrateAsync(CancellationToken.None));

    public async Task<StoredVexStatement> CreateAsync(VexJudgement judgement, string author, CancellationToken cancellationToken)
    {
        await _migrated.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var id = "vex_" + now.ToUnixTimeMilliseconds().ToString("x12", CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null, $"""
            INSERT INTO vex_statements ({Columns})
            VALUES (@id, @vulnerability, @aliases, @image, @name, @purl, @status, @justification, @impact, @author, @at, NULL, NULL)
            """, cancellationToken, ("id", id), ("vulnerability", judgement.Vulnerability), ("aliases", JsonSerializer.Serialize(judgement.Aliases)),
            ("image", judgement.ImageDigest), ("name", judgement.ImageName), ("purl", judgement.PackagePurl), ("status", VexTerms.NotAffected),
            ("justification", judgement.Justification), ("impact", judgement.ImpactStatement), ("author", author), ("at", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        return new StoredVexStatement(id, judgement, VexTerms.NotAffected, author, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), null, null);
    }

    /// <summary>Every statement, oldest first (live ones only unless <paramref name="includeRevoked"/>).</summary>
    public async Task<IReadOnlyList<StoredVexStatement>> ListAsync(bool includeRevoked, CancellationToken cancellationToken)
    {
        // A worker process shares the store but not the server's start-up: the table is made on first use there.
        await _migrated.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = JobDb.Command(connection, null,
            $"SELECT {Columns} FROM vex_statements {(includeRevoked ? "" : "WHERE revoked_at IS NULL")} ORDER BY created_at, id", []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<StoredVexStatement>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    /// <summary>Stops applying a statement; false when there is no such live statement.</summary>
    public async Task<bool> RevokeAsync(string id, string actor, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await JobDb.ExecuteAsync(connection, null, "UPDATE vex_statements SET revoked_at = @at, revoked_by = @by WHERE id = @id AND revoked_at IS NULL",
            cancellationToken, ("id", id), ("at", time.GetUtcNow().ToUnixTimeMilliseconds()), ("by", actor)).ConfigureAwait(false);
        return changed > 0;
    }

    private static StoredVexStatement Read(DbDataReader r)
    {
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var judgement = new VexJudgement(r.GetString(1), JsonSerializer.Deserialize<List<string>>(r.GetString(2)) ?? [], Text(3), Text(4), Text(5), Text(7) ?? "", Text(8) ?? "");
        return new StoredVexStatement(r.GetString(0), judgement, r.GetString(6), r.GetString(9), DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(r.GetValue(10))),
            r.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(r.GetValue(11))), Text(12));
    }
}
