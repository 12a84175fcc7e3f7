using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Jobs;
using Comb.Server.Data;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Comb.Server.Admission;

/// <summary>
/// What a decision is cached by: the image pinned to its digest (registry/repository@digest, as trust rules read the
/// registry and repository), the policy version and the advisory database version.
/// </summary>
public readonly record struct DecisionKey(string Pinned, string PolicyVersion, string DatabaseVersion)
{
    public override string ToString() => $"admission-decision:{Pinned}|{PolicyVersion}|{DatabaseVersion}";
}

/// <summary>
/// Admission decisions kept for <see cref="AdmissionSettings.DecisionCacheSeconds"/>. Each server keeps its own copies in
/// memory; on PostgreSQL (several replicas behind one Service) they are also written to the shared database, so a
/// decision one replica made is a cache hit for the others. SQLite is one server's own file: memory alone serves it.
/// Rows carry their expiry; expired rows are never read and are removed by later writes.
/// </summary>
public sealed class DecisionCache(ServerDatabase database, AdmissionCache memory, IOptions<AdmissionSettings> settings, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public bool Shared => database.IsPostgres;

    /// <summary>Creates the shared table (IF NOT EXISTS, so servers starting together agree); nothing on SQLite.</summary>
    public async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (!Shared)
        {
            return;
        }

        // Replicas starting together: IF NOT EXISTS alone can still collide in PostgreSQL's catalog, so one at a time.
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await JobDb.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(4242317)", cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS admission_decision_cache (
              image TEXT NOT NULL, policy_version TEXT NOT NULL, db_version TEXT NOT NULL, decision TEXT NOT NULL,
              created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (image, policy_version, db_version))
            """, cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, transaction, "CREATE INDEX IF NOT EXISTS ix_admission_decision_cache_expires ON admission_decision_cache (expires_at)", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cached decision, marked as from the cache; null when none is kept or it expired.</summary>
    public async Task<ImageDecision?> GetAsync(DecisionKey key, CancellationToken cancellationToken)
    {
        if (memory.TryGetValue(key.ToString(), out ImageDecision? known) && known is not null)
        {
            return known with { FromCache = true };
        }

        if (!Shared || settings.Value.DecisionCacheSeconds <= 0)
        {
            return null;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = JobDb.Command(connection, null,
            "SELECT decision, expires_at FROM admission_decision_cache WHERE image = @image AND policy_version = @policy AND db_version = @db AND expires_at > @now",
            [("image", key.Pinned), ("policy", key.PolicyVersion), ("db", key.DatabaseVersion), ("now", time.GetUtcNow().ToUnixTimeMilliseconds())]);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var decision = JsonSerializer.Deserialize<CachedDecision>(reader.GetString(0), Json)?.ToDecision();
        if (decision is null)
        {
            return null;
        }

        // Kept here too until the shared row expires, so the next review on this server does not ask the database.
        Remember(key, decision, DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(reader.GetValue(1))));
        return decision with { FromCache = true };
    }

    /// <summary>Keeps a decision (allowed or denied; an undecided one is never cached).</summary>
    public async Task SetAsync(DecisionKey key, ImageDecision decision, CancellationToken cancellationToken)
    {
        var seconds = settings.Value.DecisionCacheSeconds;
        if (seconds <= 0 || decision.Outcome == DecisionOutcome.Undecided)
        {
            return;
        }

        var now = time.GetUtcNow();
        var expires = now.AddSeconds(seconds);
        Remember(key, decision, expires);
        if (!Shared)
        {
            return;
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null, "DELETE FROM admission_decision_cache WHERE expires_at <= @now", cancellationToken,
            ("now", now.ToUnixTimeMilliseconds())).ConfigureAwait(false);
        await JobDb.ExecuteAsync(connection, null, """
            INSERT INTO admission_decision_cache (image, policy_version, db_version, decision, created_at, expires_at)
            VALUES (@image, @policy, @db, @decision, @now, @expires)
            ON CONFLICT (image, policy_version, db_version) DO UPDATE SET decision = excluded.decision, created_at = excluded.created_at, expires_at = excluded.expires_at
            """, cancellationToken, ("image", key.Pinned), ("policy", key.PolicyVersion), ("db", key.DatabaseVersion),
            ("decision", JsonSerializer.Serialize(CachedDecision.Of(decision), Json)), ("now", now.ToUnixTimeMilliseconds()), ("expires", expires.ToUnixTimeMilliseconds())).ConfigureAwait(false);
    }

    private void Remember(DecisionKey key, ImageDecision decision, DateTimeOffset expires) =>
        memory.Set(key.ToString(), decision with { FromCache = false }, new MemoryCacheEntryOptions { AbsoluteExpiration = expires, Size = 1 });

    /// <summary>The stored form of a decision.</summary>
    private sealed record CachedDecision(DecisionOutcome Outcome, string[] Denials, string[] Warnings, string? ScanId, string? Digest)
    {
        public static CachedDecision Of(ImageDecision d) => new(d.Outcome, [.. d.Denials], [.. d.Warnings], d.ScanId, d.Digest);

        public ImageDecision ToDecision() => new(Outcome, Denials, Warnings, ScanId, Digest);
    }
}
