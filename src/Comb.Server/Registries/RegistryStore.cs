using System.Data.Common;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Data;
using Microsoft.AspNetCore.DataProtection;

namespace Comb.Server.Registries;

/// <summary>
/// Stored registries and the tags the server knows of them, in the server's database. The password or token is kept
/// protected by Data Protection (its key ring in the server's directory) and unprotected only to sign in.
/// </summary>
public sealed partial class RegistryStore(ServerDatabase database, Scans.ScanQueue queue, IDataProtectionProvider protection, TimeProvider time)
{
    private const string RegistryColumns = """
        name, url, insecure, auth, username, secret, credential_helper, filters, schedule, next_run_at, last_scan_at,
        last_error_kind, last_error, last_error_at, errors, created_at, updated_at, updated_by
        """;

    private const string ImageColumns = """
        registry, repository, tag, digest, event_at, job_id, job_digest, job_key, job_db, scanned_digest, scanned_key, scanned_db, scan_id, failed, error
        """;

    private readonly IDataProtector _protector = protection.CreateProtector("Comb.Server.Registries.Credentials.v1");

    public async Task<bool> CreateAsync(RegistryRecord record, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var exists = await JobDb.ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM registries WHERE name = @name", cancellationToken, ("name", record.Name)).ConfigureAwait(false);
        if (exists is not null && JobDb.ToLong(exists) > 0)
        {
            return false;
        }

        await JobDb.ExecuteAsync(connection, transaction, $"""
            INSERT INTO registries ({RegistryColumns}) VALUES (@name, @url, @insecure, @auth, @username, @secret, @helper, @filters, @schedule, @next, NULL,
              NULL, NULL, NULL, 0, @at, @at, @by)
            """, cancellationToken, Parameters(record)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Replaces the settings (not the status) of a registry; false when there is none by that name.</summary>
    public async Task<bool> UpdateAsync(RegistryRecord record, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await JobDb.ExecuteAsync(connection, null, """
            UPDATE registries SET url = @url, insecure = @insecure, auth = @auth, username = @username, secret = @secret, credential_helper = @helper,
              filters = @filters, schedule = @schedule, next_run_at = @next, updated_at = @at, updated_by = @by
            WHERE name = @name
            """, cancellationToken, Parameters(record)).ConfigureAwait(false);
        return changed > 0;
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var changed = await JobDb.ExecuteAsync(connection, transaction, "DELETE FROM registries WHERE name = @name", cancellationToken, ("name", name)).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, transaction, "DELETE FROM registry_images WHERE registry = @name", cancellationToken, ("name", name)).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, transaction, "DELETE FROM registry_events WHERE registry = @name", cancellationToken, ("name", name)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed > 0;
    }

    public async Task<RegistryRecord?> GetAsync(string name, CancellationToken cancellationToken) =>
        (await QueryRegistriesAsync("WHERE name = @name", cancellationToken, ("name", name)).ConfigureAwait(false)).FirstOrDefault();

    public Task<IReadOnlyList<RegistryRecord>> ListAsync(CancellationToken cancellationToken) => QueryRegistriesAsync("ORDER BY name", cancellationToken);

    /// <summary>Scheduled registries whose next run is due.</summary>
    public Task<IReadOnlyList<RegistryRecord>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        QueryRegistriesAsync("WHERE schedule IS NOT NULL AND next_run_at <= @now ORDER BY next_run_at", cancellationToken, ("now", now.ToUnixTimeMilliseconds()));

    /// <summary>Moves a due run on to <paramref name="next"/> unless another server already did: true for the one that claims it.</summary>
    public async Task<bool> ClaimRunAsync(string name, DateTimeOffset due, DateTimeOffset next, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await JobDb.ExecuteAsync(connection, null, "UPDATE registries SET next_run_at = @next WHERE name = @name AND next_run_at = @due", cancellationToken,
            ("next", next.ToUnixTimeMilliseconds()), ("name", name), ("due", due.ToUnixTimeMilliseconds())).ConfigureAwait(false) > 0;
    }

    /// <summary>A scan of the registry ended: when, and the trouble it met (null: none, which clears the last error).</summary>
    public async Task RecordRunAsync(string name, string? errorKind, string? error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (errorKind is null)
        {
            await JobDb.ExecuteAsync(connection, null, "UPDATE registries SET last_scan_at = @at, last_error_kind = NULL, last_error = NULL WHERE name = @name", cancellationToken,
                ("at", now), ("name", name)).ConfigureAwait(false);
            return;
        }

        await JobDb.ExecuteAsync(connection, null,
            "UPDATE registries SET last_scan_at = @at, last_error_kind = @kind, last_error = @error, last_error_at = @at, errors = errors + 1 WHERE name = @name", cancellationToken,
            ("at", now), ("kind", errorKind), ("error", error), ("name", name)).ConfigureAwait(false);
    }

    /// <summary>
    /// Settles the tags whose scan jobs have finished (the job's outcome becomes the tag's state), then returns the
    /// registry's tags. The jobs table is the queue's, in the same database.
    /// </summary>
    public async Task<IReadOnlyList<RegistryImage>> SettleAndListAsync(string registry, CancellationToken cancellationToken)
    {
        await queue.GetAsync(cancellationToken).ConfigureAwait(false); // opens (and creates) the jobs table the join reads
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await SettleAsync(connection, registry, cancellationToken).ConfigureAwait(false);
        return await QueryImagesAsync(connection, "WHERE registry = @registry ORDER BY repository, tag", cancellationToken, [("registry", registry)]).ConfigureAwait(false);
    }

    /// <summary>
    /// Records the digest a tag points at. An older observation (an event that arrives after a newer one) does not move
    /// the tag back; returns the row as it stands afterwards.
    /// </summary>
    public async Task<RegistryImage> ObserveAsync(string registry, string repository, string tag, string digest, long observedAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var key = new (string, object?)[] { ("registry", registry), ("repository", repository), ("tag", tag) };
        var existing = (await QueryImagesAsync(connection, "WHERE registry = @registry AND repository = @repository AND tag = @tag", cancellationToken, key, transaction).ConfigureAwait(false))
            .FirstOrDefault();
        if (existing is null)
        {
            await JobDb.ExecuteAsync(connection, transaction, """
                INSERT INTO registry_images (registry, repository, tag, digest, event_at, seen_at, failed) VALUES (@registry, @repository, @tag, @digest, @at, @seen, 0)
                """, cancellationToken, [.. key, ("digest", digest), ("at", observedAt), ("seen", time.GetUtcNow().ToUnixTimeMilliseconds())]).ConfigureAwait(false);
        }
        else if (observedAt >= existing.EventAt)
        {
            await JobDb.ExecuteAsync(connection, transaction, """
                UPDATE registry_images SET digest = @digest, event_at = @at, seen_at = @seen WHERE registry = @registry AND repository = @repository AND tag = @tag
                """, cancellationToken, [.. key, ("digest", digest), ("at", observedAt), ("seen", time.GetUtcNow().ToUnixTimeMilliseconds())]).ConfigureAwait(false);
        }

        var row = (await QueryImagesAsync(connection, "WHERE registry = @registry AND repository = @repository AND tag = @tag", cancellationToken, key, transaction).ConfigureAwait(false))[0];
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return row;
    }

    /// <summary>A scan job now covers the tag's digest.</summary>
    public async Task MarkQueuedAsync(RegistryImage image, string jobId, string digest, string analyzerKey, string? advisoryDb, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null, """
            UPDATE registry_images SET job_id = @job, job_digest = @digest, job_key = @key, job_db = @db
            WHERE registry = @registry AND repository = @repository AND tag = @tag
            """, cancellationToken, ("job", jobId), ("digest", digest), ("key", analyzerKey), ("db", advisoryDb),
            ("registry", image.Registry), ("repository", image.Repository), ("tag", image.Tag)).ConfigureAwait(false);
    }

    /// <summary>The tag's digest is known analysed (itself, or under another tag of the repository), matched against <paramref name="advisoryDb"/>.</summary>
    public async Task MarkScannedAsync(RegistryImage image, string digest, string analyzerKey, string? advisoryDb, string? scanId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null, """
            UPDATE registry_images SET scanned_digest = @digest, scanned_key = @key, scanned_db = @db, scan_id = @scan, failed = 0, error = NULL
            WHERE registry = @registry AND repository = @repository AND tag = @tag
            """, cancellationToken, ("digest", digest), ("key", analyzerKey), ("db", advisoryDb), ("scan", scanId),
            ("registry", image.Registry), ("repository", image.Repository), ("tag", image.Tag)).ConfigureAwait(false);
    }

    /// <summary>Tags no longer in the registry (within the repositories just listed) are forgotten.</summary>
    public async Task ForgetAsync(string registry, string repository, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var rows = await QueryImagesAsync(connection, "WHERE registry = @registry AND repository = @repository", cancellationToken, [("registry", registry), ("repository", repository)]).ConfigureAwait(false);
        foreach (var row in rows.Where(r => !keep.Contains(r.Tag)))
        {
            await JobDb.ExecuteAsync(connection, null, "DELETE FROM registry_images WHERE registry = @registry AND repository = @repository AND tag = @tag", cancellationToken,
                ("registry", registry), ("repository", repository), ("tag", row.Tag)).ConfigureAwait(false);
        }
    }

    /// <summary>Remembers a notification's id; false when it was seen before (a duplicate delivery).</summary>
    public async Task<bool> FirstSightingAsync(string registry, string eventId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var seen = await JobDb.ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM registry_events WHERE registry = @registry AND id = @id", cancellationToken,
            ("registry", registry), ("id", eventId)).ConfigureAwait(false);
        if (seen is not null && JobDb.ToLong(seen) > 0)
        {
            return false;
        }

        await JobDb.ExecuteAsync(connection, transaction, "INSERT INTO registry_events (registry, id, received_at) VALUES (@registry, @id, @at)", cancellationToken,
            ("registry", registry), ("id", eventId), ("at", time.GetUtcNow().ToUnixTimeMilliseconds())).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The tags of <paramref name="registry"/> (null: of every registry) whose scan jobs have finished take the job's outcome.</summary>
    private static async Task SettleAsync(DbConnection connection, string? registry, CancellationToken cancellationToken)
    {
        var finished = new List<(RegistryImage Image, string State, string? Result, string? Error)>();
        await using (var command = JobDb.Command(connection, null, $"""
            SELECT {Prefixed("ri.")}, j.state, j.result, j.last_error FROM registry_images ri JOIN jobs j ON j.id = ri.job_id
            WHERE {(registry is null ? "" : "ri.registry = @registry AND ")}j.state IN ('succeeded', 'failed', 'cancelled')
            """, registry is null ? [] : [("registry", registry)]))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                finished.Add((ReadImage(reader), reader.GetString(15), reader.IsDBNull(16) ? null : reader.GetString(16), reader.IsDBNull(17) ? null : reader.GetString(17)));
            }
        }

        foreach (var (image, state, result, error) in finished)
        {
            if (state == "succeeded")
            {
                var scanId = Scans.ScanJobResult.FromJson(result)?.ScanId;
                await JobDb.ExecuteAsync(connection, null, """
                    UPDATE registry_images SET scanned_digest = job_digest, scanned_key = job_key, scanned_db = job_db, scan_id = @scan, failed = 0, error = NULL, job_id = NULL
                    WHERE registry = @registry AND repository = @repository AND tag = @tag AND job_id = @job
                    """, cancellationToken, ("scan", scanId), ("registry", image.Registry), ("repository", image.Repository), ("tag", image.Tag), ("job", image.JobId)).ConfigureAwait(false);
            }
            else
            {
                await JobDb.ExecuteAsync(connection, null, """
                    UPDATE registry_images SET failed = 1, error = @error, job_id = NULL
                    WHERE registry = @registry AND repository = @repository AND tag = @tag AND job_id = @job
                    """, cancellationToken, ("error", error ?? state), ("registry", image.Registry), ("repository", image.Repository), ("tag", image.Tag), ("job", image.JobId)).ConfigureAwait(false);
            }
        }
    }

    public static RegistryCounts CountsOf(IReadOnlyList<RegistryImage> images) => new(
        images.Count,
        images.Count(i => i.ScannedDigest == i.Digest && !i.Failed),
        images.Count(i => i.Failed),
        images.Count(i => i.JobId is not null));

    private (string, object?)[] Parameters(RegistryRecord record) =>
    [
        ("name", record.Name), ("url", record.Url), ("insecure", record.Insecure ? 1 : 0), ("auth", record.Auth), ("username", record.Username),
        ("secret", record.Secret is null ? null : _protector.Protect(record.Secret)), ("helper", record.CredentialHelper),
        ("filters", JsonSerializer.Serialize(record.Filters, RegistryFilters.Json)), ("schedule", record.Schedule),
        ("next", record.NextRunAt?.ToUnixTimeMilliseconds()), ("at", record.UpdatedAt.ToUnixTimeMilliseconds()), ("by", record.UpdatedBy),
    ];

    private async Task<IReadOnlyList<RegistryRecord>> QueryRegistriesAsync(string where, CancellationToken cancellationToken, params (string, object?)[] parameters)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = JobDb.Command(connection, null, $"SELECT {RegistryColumns} FROM registries {where}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<RegistryRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(new RegistryRecord
            {
                Name = reader.GetString(0),
                Url = reader.GetString(1),
                Insecure = JobDb.ToLong(reader.GetValue(2)) != 0,
                Auth = reader.GetString(3),
                Username = Text(reader, 4),
                Secret = Text(reader, 5) is { } protectedSecret ? Unprotect(protectedSecret, reader.GetString(0)) : null,
                CredentialHelper = Text(reader, 6),
                Filters = JsonSerializer.Deserialize<RegistryFilters>(reader.GetString(7), RegistryFilters.Json) ?? new RegistryFilters(),
                Schedule = Text(reader, 8),
                NextRunAt = Time(reader, 9),
                LastScanAt = Time(reader, 10),
                LastErrorKind = Text(reader, 11),
                LastError = Text(reader, 12),
                LastErrorAt = Time(reader, 13),
                Errors = JobDb.ToInt(reader.GetValue(14)),
                CreatedAt = Time(reader, 15)!.Value,
                UpdatedAt = Time(reader, 16)!.Value,
                UpdatedBy = Text(reader, 17),
            });
        }

        return records;
    }

    /// <summary>A secret protected with a key ring that is gone cannot be read: said plainly, so the operator sets it again.</summary>
    private string Unprotect(string protectedSecret, string name)
    {
        try
        {
            return _protector.Unprotect(protectedSecret);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new Contracts.CombInputException(
                $"the stored credentials of registry {name} cannot be decrypted (was the server's key ring replaced?): set them again with PATCH /api/v1/registries/{name}", ex);
        }
    }

    private static async Task<IReadOnlyList<RegistryImage>> QueryImagesAsync(DbConnection connection, string where, CancellationToken cancellationToken,
        (string, object?)[] parameters, DbTransaction? transaction = null)
    {
        await using var command = JobDb.Command(connection, transaction, $"SELECT {ImageColumns} FROM registry_images {where}", parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var images = new List<RegistryImage>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            images.Add(ReadImage(reader));
        }

        return images;
    }

    private static RegistryImage ReadImage(DbDataReader reader) => new()
    {
        Registry = reader.GetString(0),
        Repository = reader.GetString(1),
        Tag = reader.GetString(2),
        Digest = reader.GetString(3),
        EventAt = JobDb.ToLong(reader.GetValue(4)),
        JobId = Text(reader, 5),
        JobDigest = Text(reader, 6),
        JobKey = Text(reader, 7),
        JobDb = Text(reader, 8),
        ScannedDigest = Text(reader, 9),
        ScannedKey = Text(reader, 10),
        ScannedDb = Text(reader, 11),
        ScanId = Text(reader, 12),
        Failed = JobDb.ToLong(reader.GetValue(13)) != 0,
        Error = Text(reader, 14),
    };

    private static string Prefixed(string prefix) => string.Join(", ", ImageColumns.Split(',', StringSplitOptions.TrimEntries).Select(c => prefix + c));

    private static string? Text(DbDataReader reader, int index) => reader.IsDBNull(index) ? null : reader.GetString(index);

    private static DateTimeOffset? Time(DbDataReader reader, int index) =>
        reader.IsDBNull(index) ? null : DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(reader.GetValue(index)));
}
