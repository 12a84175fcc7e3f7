using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Data;

namespace Comb.Server.Admission;

/// <summary>One audited admission decision about one image: who asked, where, what, and allowed or why not.</summary>
public sealed record AdmissionDecisionEntry(
    string Id, DateTimeOffset At, string Uid, string? User, string? Namespace, string? Kind, string? Name, string? Operation,
    string Container, string Image, string? Digest, bool Allowed, string Outcome, IReadOnlyList<string> Reasons, IReadOnlyList<string> Warnings,
    string? ScanId, bool Cached);

/// <summary>The filter of a read: any of namespace, image (reference or digest), allowed; newest first, skipping <paramref name="Offset"/>.</summary>
public sealed record AdmissionDecisionQuery(string? Namespace, string? Image, bool? Allowed, int Limit, int Offset = 0);

/// <summary>
/// The admission audit trail, in the server's database beside the audit log: its own table, created on first start
/// (IF NOT EXISTS, so servers sharing one database agree), written before the review is answered unless the budget
/// runs out first.
/// </summary>
public sealed class AdmissionDecisionLog(ServerDatabase database, TimeProvider time)
{
    private const string Columns = "id, at, uid, asked_by, namespace, kind, name, operation, container, image, digest, allowed, outcome, reasons, warnings, scan_id, cached";

    public async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null, """
            CREATE TABLE IF NOT EXISTS admission_decisions (
              id TEXT PRIMARY KEY, at BIGINT NOT NULL, uid TEXT NOT NULL, asked_by TEXT, namespace TEXT, kind TEXT, name TEXT, operation TEXT,
              container TEXT NOT NULL, image TEXT NOT NULL, digest TEXT, allowed INTEGER NOT NULL, outcome TEXT NOT NULL,
              reasons TEXT NOT NULL, warnings TEXT NOT NULL, scan_id TEXT, cached INTEGER NOT NULL)
            """, cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null, "CREATE INDEX IF NOT EXISTS ix_admission_decisions_at ON admission_decisions (at)", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes every entry in one transaction; the ids keep the order of the request's images.</summary>
    public async Task WriteAsync(IReadOnlyList<AdmissionDecisionEntry> entries, CancellationToken cancellationToken)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        foreach (var e in entries)
        {
            await JobDb.ExecuteAsync(connection, transaction,
                $"INSERT INTO admission_decisions ({Columns}) VALUES (@id, @at, @uid, @by, @ns, @kind, @name, @op, @container, @image, @digest, @allowed, @outcome, @reasons, @warnings, @scan, @cached)",
                cancellationToken, ("id", e.Id), ("at", e.At.ToUnixTimeMilliseconds()), ("uid", e.Uid), ("by", e.User), ("ns", e.Namespace), ("kind", e.Kind), ("name", e.Name),
                ("op", e.Operation), ("container", e.Container), ("image", e.Image), ("digest", e.Digest), ("allowed", e.Allowed ? 1 : 0), ("outcome", e.Outcome),
                ("reasons", JsonSerializer.Serialize(e.Reasons)), ("warnings", JsonSerializer.Serialize(e.Warnings)), ("scan", e.ScanId), ("cached", e.Cached ? 1 : 0)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A new entry id: time-ordered, then random (unique across servers).</summary>
    public string NewId(int sequence) =>
        time.GetUtcNow().ToUnixTimeMilliseconds().ToString("x12", CultureInfo.InvariantCulture) + sequence.ToString("x3", CultureInfo.InvariantCulture)
        + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public async Task<IReadOnlyList<AdmissionDecisionEntry>> ReadAsync(AdmissionDecisionQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var where = new List<string>();
        var parameters = new List<(string, object?)> { ("limit", query.Limit), ("offset", Math.Max(0, query.Offset)) };
        if (query.Namespace is { } ns)
        {
            where.Add("namespace = @ns");
            parameters.Add(("ns", ns));
        }

        if (query.Image is { } image)
        {
            where.Add("(image = @image OR digest = @image)");
            parameters.Add(("image", image));
        }

        if (query.Allowed is { } allowed)
        {
            where.Add("allowed = @allowed");
            parameters.Add(("allowed", allowed ? 1 : 0));
        }

        var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        await using var command = JobDb.Command(connection, null, $"SELECT {Columns} FROM admission_decisions {filter} ORDER BY id DESC LIMIT @limit OFFSET @offset", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<AdmissionDecisionEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            entries.Add(new AdmissionDecisionEntry(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(reader.GetValue(1))), reader.GetString(2),
                Text(3), Text(4), Text(5), Text(6), Text(7), reader.GetString(8), reader.GetString(9), Text(10), JobDb.ToInt(reader.GetValue(11)) == 1, reader.GetString(12),
                JsonSerializer.Deserialize<string[]>(reader.GetString(13)) ?? [], JsonSerializer.Deserialize<string[]>(reader.GetString(14)) ?? [], Text(15),
                JobDb.ToInt(reader.GetValue(16)) == 1));
        }

        return entries;
    }
}
