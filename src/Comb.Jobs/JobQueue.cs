using System.Data.Common;
using Comb.Contracts;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Comb.Jobs;

/// <summary>
/// A durable job queue in SQLite (one host) or PostgreSQL (many hosts). Every call is a committed transaction:
/// an enqueued job is a row before the call returns, a claim is a lease stored with the row. Every write a worker
/// makes carries the lease token, so a worker that lost its lease cannot record a job a second time.
/// The host opens it once (running the migrations) and disposes it at shutdown.
/// </summary>
public sealed class JobQueue : IAsyncDisposable
{
    /// <summary>The PostgreSQL channel a new or requeued job is announced on.</summary>
    public const string Channel = "comb_jobs";

    private const string Columns = """
        id, kind, payload, dedupe_key, state, attempts, max_attempts, last_error, error_kind, result, progress_current, progress_total,
        progress_message, created_at, started_at, finished_at, next_attempt_at, lease_owner, lease_expires_at, cancel_requested
        """;

    private const string Fence = "id = @id AND lease_token = @token AND state = 'running'";
    private const string ClearLease = "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL";

    private readonly JobDb _db;

    private JobQueue(JobDb db, JobQueueOptions options)
    {
        _db = db;
        Options = options;
    }

    public JobQueueOptions Options { get; }

    public bool IsPostgres => _db.IsPostgres;

    /// <summary>The store's location, without a password.</summary>
    public string Location => _db.Location;

    /// <summary>Signalled when this process enqueues or requeues a job, and by the PostgreSQL listener for other processes' jobs.</summary>
    public WakeSignal Wake { get; } = new();

    internal JobDb Db => _db;

    /// <summary>Opens a queue on a SQLite path or a postgres:// URL and applies its migrations.</summary>
    public static async Task<JobQueue> OpenAsync(string location, JobQueueOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        var db = JobDb.Create(location, options.OutageRideOut);
        try
        {
            await db.RunAsync(async (connection, _, ct) =>
            {
                await JobSchema.ApplyAsync(connection, db.IsPostgres, options.TimeProvider, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SqliteException or NpgsqlException)
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw new CombInputException($"job queue {db.Location} cannot be opened: {ex.Message}", ex);
        }

        return new JobQueue(db, options);
    }

    /// <summary>Adds a job, merges it into an identical pending one, or answers "queue full". Returns after the commit.</summary>
    public async Task<EnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Kind);
        ValidateJson(request.Payload);
        var maxAttempts = request.MaxAttempts ?? Options.DefaultMaxAttempts;
        if (maxAttempts < 1)
        {
            throw new CombInputException($"max attempts must be at least 1, not {maxAttempts}");
        }

        // Chosen once, so a retry after a commit whose answer was lost finds the row instead of adding a second one.
        var id = Guid.CreateVersion7().ToString("N");
        var result = await _db.RunAsync(async (connection, retrying, ct) =>
        {
            await using var transaction = await JobDb.BeginWriteAsync(connection, ct).ConfigureAwait(false);
            if (_db.IsPostgres)
            {
                // One enqueuer at a time, so the dedupe check and the depth count stay true until the insert commits.
                await JobDb.ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(4242102)", ct).ConfigureAwait(false);
            }

            if (retrying && await JobDb.ScalarAsync(connection, transaction, "SELECT id FROM jobs WHERE id = @id", ct, ("id", id)).ConfigureAwait(false) is not null)
            {
                return EnqueueResult.Enqueued(id);
            }

            if (request.DedupeKey is not null
                && await JobDb.ScalarAsync(connection, transaction, "SELECT id FROM jobs WHERE dedupe_key = @k AND state IN ('queued', 'running')", ct,
                    ("k", request.DedupeKey)).ConfigureAwait(false) is string existing)
            {
                return EnqueueResult.Merged(existing);
            }

            if (Options.MaxDepth > 0
                && JobDb.ToLong((await JobDb.ScalarAsync(connection, transaction, "SELECT COUNT(*) FROM jobs WHERE state = 'queued'", ct).ConfigureAwait(false))!) >= Options.MaxDepth)
            {
                return EnqueueResult.Full(Options.QueueFullRetryAfter);
            }

            var now = Now();
            await JobDb.ExecuteAsync(connection, transaction, """
                INSERT INTO jobs (id, kind, payload, dedupe_key, state, attempts, max_attempts, created_at, next_attempt_at, cancel_requested)
                VALUES (@id, @kind, @payload, @dedupe, 'queued', 0, @max, @now, @now, 0)
                """, ct, ("id", id), ("kind", request.Kind), ("payload", request.Payload), ("dedupe", request.DedupeKey), ("max", maxAttempts), ("now", now)).ConfigureAwait(false);
            await NotifyAsync(connection, transaction, ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return EnqueueResult.Enqueued(id);
        }, cancellationToken).ConfigureAwait(false);
        if (result.JobId == id)
        {
            Wake.Signal();
        }

        return result;
    }

    public Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        _db.RunAsync(async (connection, _, ct) =>
        {
            await using var command = JobDb.Command(connection, null, $"SELECT {Columns} FROM jobs WHERE id = @id", [("id", id)]);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadRecord(reader) : null;
        }, cancellationToken);

    /// <summary>Jobs in each state (every state present, zero when none), for status pages and metrics.</summary>
    public Task<IReadOnlyDictionary<JobState, long>> CountByStateAsync(CancellationToken cancellationToken) =>
        _db.RunAsync<IReadOnlyDictionary<JobState, long>>(async (connection, _, ct) =>
        {
            var counts = Enum.GetValues<JobState>().ToDictionary(s => s, _ => 0L);
            await using var command = JobDb.Command(connection, null, "SELECT state, COUNT(*) FROM jobs GROUP BY state", []);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                counts[ParseState(reader.GetString(0))] = JobDb.ToLong(reader.GetValue(1));
            }

            return counts;
        }, cancellationToken);

    /// <summary>Cancels a queued job at once; asks the worker of a running one to stop it (its heartbeat sees the request).</summary>
    public Task<CancelOutcome> CancelAsync(string id, CancellationToken cancellationToken) =>
        _db.RunAsync(async (connection, retrying, ct) =>
        {
            var now = Now();
            if (await JobDb.ExecuteAsync(connection, null, """
                    UPDATE jobs SET state = 'cancelled', finished_at = @now, error_kind = 'cancelled', last_error = 'cancelled before it ran'
                    WHERE id = @id AND state = 'queued'
                    """, ct, ("id", id), ("now", now)).ConfigureAwait(false) == 1)
            {
                return CancelOutcome.Cancelled;
            }

            if (await JobDb.ExecuteAsync(connection, null, "UPDATE jobs SET cancel_requested = 1 WHERE id = @id AND state = 'running'", ct, ("id", id)).ConfigureAwait(false) == 1)
            {
                return CancelOutcome.Requested;
            }

            return await JobDb.ScalarAsync(connection, null, "SELECT state FROM jobs WHERE id = @id", ct, ("id", id)).ConfigureAwait(false) switch
            {
                null => CancelOutcome.NotFound,
                // The earlier try may have cancelled it before the connection broke.
                "cancelled" when retrying => CancelOutcome.Cancelled,
                _ => CancelOutcome.AlreadyFinished,
            };
        }, cancellationToken);

    /// <summary>Takes the oldest ready job of one of <paramref name="kinds"/> and leases it to <paramref name="owner"/>; null when none is ready.</summary>
    public Task<JobLease?> TryClaimAsync(string owner, IReadOnlyCollection<string> kinds, CancellationToken cancellationToken)
    {
        if (kinds.Count == 0)
        {
            throw new ArgumentException("a claim needs at least one job kind", nameof(kinds));
        }

        var kindParameters = kinds.Select((kind, i) => ($"k{i}", (object?)kind)).ToArray();
        var token = Guid.NewGuid().ToString("N");
        return _db.RunAsync(async (connection, retrying, ct) =>
        {
            await using var transaction = await JobDb.BeginWriteAsync(connection, ct).ConfigureAwait(false);
            // An earlier try that committed holds a job under this token: take that one, not a second.
            var lease = retrying
                ? await ReadLeaseAsync(connection, transaction, "SELECT id, kind, payload, attempts, max_attempts FROM jobs WHERE lease_token = @token AND state = 'running'",
                    owner, token, [("token", token)], ct).ConfigureAwait(false)
                : null;
            if (lease is null)
            {
                // Read the clock once the write lock is held: a claim that waited for it must not start with a lease already run down.
                var now = Now();
                lease = await ReadLeaseAsync(connection, transaction, $"""
                    UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = @owner, lease_token = @token, lease_expires_at = @expires,
                                    started_at = @now, cancel_requested = 0
                    WHERE state = 'queued' AND id = (
                      SELECT id FROM jobs WHERE state = 'queued' AND next_attempt_at <= @now AND kind IN ({string.Join(", ", kindParameters.Select(k => "@" + k.Item1))})
                      ORDER BY next_attempt_at, id LIMIT 1 {_db.SkipLocked})
                    RETURNING id, kind, payload, attempts, max_attempts
                    """, owner, token, [("owner", owner), ("token", token), ("expires", now + (long)Options.LeaseDuration.TotalMilliseconds), ("now", now), .. kindParameters], ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return lease;
        }, cancellationToken);
    }

    /// <summary>Extends the lease and reports whether the job should stop (cancel requested) or is no longer this worker's.</summary>
    public Task<HeartbeatOutcome> HeartbeatAsync(JobLease lease, CancellationToken cancellationToken) =>
        _db.RunAsync(async (connection, _, ct) =>
        {
            var cancel = await JobDb.ScalarAsync(connection, null, $"UPDATE jobs SET lease_expires_at = @expires WHERE {Fence} RETURNING cancel_requested", ct,
                ("expires", Now() + (long)Options.LeaseDuration.TotalMilliseconds), ("id", lease.JobId), ("token", lease.Token)).ConfigureAwait(false);
            return cancel is null ? HeartbeatOutcome.Lost : JobDb.ToInt(cancel) == 1 ? HeartbeatOutcome.CancelRequested : HeartbeatOutcome.Extended;
        }, cancellationToken);

    /// <summary>Records how far the job has come; false when the lease is lost.</summary>
    public Task<bool> ReportProgressAsync(JobLease lease, JobProgress progress, CancellationToken cancellationToken) =>
        _db.RunAsync(async (connection, _, ct) =>
            await JobDb.ExecuteAsync(connection, null, $"UPDATE jobs SET progress_current = @c, progress_total = @t, progress_message = @m WHERE {Fence}", ct,
                ("c", progress.Current), ("t", progress.Total), ("m", progress.Message), ("id", lease.JobId), ("token", lease.Token)).ConfigureAwait(false) == 1,
            cancellationToken);

    /// <summary>
    /// Marks the job succeeded. <paramref name="write"/>, when given, runs in the same transaction after the lease is checked
    /// and locked, so a result stored in this database is written exactly once: by the holder of the live lease, or not at all.
    /// Returns false (and writes nothing) when the lease was lost. The lease token stays on the finished row so that a retry
    /// after a commit whose answer was lost recognises its own completion.
    /// </summary>
    public Task<bool> CompleteAsync(JobLease lease, string? result, Func<DbConnection, DbTransaction, CancellationToken, Task>? write, CancellationToken cancellationToken)
    {
        if (result is not null)
        {
            ValidateJson(result);
        }

        return _db.RunAsync(async (connection, retrying, ct) =>
        {
            await using var transaction = await JobDb.BeginWriteAsync(connection, ct).ConfigureAwait(false);
            if (await JobDb.ScalarAsync(connection, transaction, $"SELECT 1 FROM jobs WHERE {Fence} {_db.ForUpdate}", ct,
                    ("id", lease.JobId), ("token", lease.Token)).ConfigureAwait(false) is null)
            {
                return retrying && await JobDb.ScalarAsync(connection, transaction, "SELECT 1 FROM jobs WHERE id = @id AND lease_token = @token AND state = 'succeeded'", ct,
                    ("id", lease.JobId), ("token", lease.Token)).ConfigureAwait(false) is not null;
            }

            if (write is not null)
            {
                await write(connection, transaction, ct).ConfigureAwait(false);
            }

            await JobDb.ExecuteAsync(connection, transaction, $"""
                UPDATE jobs SET state = 'succeeded', result = @result, finished_at = @now, last_error = NULL, error_kind = NULL, lease_owner = NULL, lease_expires_at = NULL
                WHERE {Fence}
                """, ct, ("result", result), ("now", Now()), ("id", lease.JobId), ("token", lease.Token)).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Records a failed attempt: a retryable error with attempts left is queued again after a backoff; a retryable error on
    /// the last attempt makes the job dead; any other error fails it at once. False when the lease was lost.
    /// </summary>
    public Task<bool> FailAsync(JobLease lease, JobError error, CancellationToken cancellationToken)
    {
        var now = Now();
        var (state, message, next) = !error.Retryable
            ? ("failed", error.Message, now)
            : lease.Attempt >= lease.MaxAttempts
                ? ("dead", $"gave up after {lease.Attempt} attempts: {error.Message}", now)
                : ("queued", error.Message, now + (long)Backoff.After(lease.Attempt, Options, Random.Shared.NextDouble()).TotalMilliseconds);
        return _db.RunAsync(async (connection, _, ct) =>
            await JobDb.ExecuteAsync(connection, null, $"""
                UPDATE jobs SET state = @state, last_error = @message, error_kind = @kind, next_attempt_at = @next,
                                finished_at = CASE WHEN @state = 'queued' THEN NULL ELSE @now END, {ClearLease}
                WHERE {Fence}
                """, ct, ("state", state), ("message", message), ("kind", error.Kind), ("next", next), ("now", now),
                ("id", lease.JobId), ("token", lease.Token)).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    /// <summary>Records that a running job stopped because it was cancelled.</summary>
    public Task<bool> MarkCancelledAsync(JobLease lease, CancellationToken cancellationToken) =>
        _db.RunAsync(async (connection, _, ct) =>
            await JobDb.ExecuteAsync(connection, null, $"""
                UPDATE jobs SET state = 'cancelled', finished_at = @now, error_kind = 'cancelled', last_error = 'cancelled while running', {ClearLease}
                WHERE {Fence}
                """, ct, ("now", Now()), ("id", lease.JobId), ("token", lease.Token)).ConfigureAwait(false) == 1,
            cancellationToken);

    /// <summary>Gives a job back unfinished (the worker is stopping): queued again at once, the attempt not counted.</summary>
    public async Task<bool> ReleaseAsync(JobLease lease, CancellationToken cancellationToken)
    {
        var released = await _db.RunAsync(async (connection, _, ct) =>
        {
            await using var transaction = await JobDb.BeginWriteAsync(connection, ct).ConfigureAwait(false);
            var released = await JobDb.ExecuteAsync(connection, transaction, $"""
                UPDATE jobs SET state = 'queued', attempts = attempts - 1, next_attempt_at = @now, {ClearLease} WHERE {Fence}
                """, ct, ("now", Now()), ("id", lease.JobId), ("token", lease.Token)).ConfigureAwait(false) == 1;
            await NotifyAsync(connection, transaction, ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return released;
        }, cancellationToken).ConfigureAwait(false);
        Wake.Signal();
        return released;
    }

    /// <summary>
    /// Takes back jobs whose lease ran out (their worker died or lost the database): queued again, or dead when that was
    /// the last attempt, or cancelled when a cancel was asked for. Returns how many.
    /// </summary>
    public async Task<int> RecoverExpiredAsync(CancellationToken cancellationToken)
    {
        var recovered = await _db.RunAsync(async (connection, _, ct) =>
        {
            await using var transaction = await JobDb.BeginWriteAsync(connection, ct).ConfigureAwait(false);
            var now = Now();
            var recovered = await JobDb.ExecuteAsync(connection, transaction, $"""
                UPDATE jobs SET
                  state = CASE WHEN cancel_requested = 1 THEN 'cancelled' WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
                  error_kind = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'lease-expired' END,
                  last_error = CASE WHEN cancel_requested = 1 THEN 'cancelled while running'
                                    WHEN attempts >= max_attempts THEN 'gave up after ' || attempts || ' attempts: worker ' || COALESCE(lease_owner, '?') || ' stopped renewing its lease'
                                    ELSE 'worker ' || COALESCE(lease_owner, '?') || ' stopped renewing its lease' END,
                  finished_at = CASE WHEN cancel_requested = 1 OR attempts >= max_attempts THEN @now ELSE NULL END,
                  next_attempt_at = @now, {ClearLease}
                WHERE state = 'running' AND lease_expires_at < @now
                """, ct, ("now", now)).ConfigureAwait(false);
            if (recovered > 0)
            {
                await NotifyAsync(connection, transaction, ct).ConfigureAwait(false);
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return recovered;
        }, cancellationToken).ConfigureAwait(false);
        if (recovered > 0)
        {
            Wake.Signal();
        }

        return recovered;
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    internal static JobState ParseState(string state) => Enum.Parse<JobState>(state, ignoreCase: true);

    private long Now() => Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Delivered to listeners when the transaction commits, so a worker never wakes for a row it cannot see yet.</summary>
    private async Task NotifyAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (_db.IsPostgres)
        {
            await JobDb.ExecuteAsync(connection, transaction, $"NOTIFY {Channel}", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<JobLease?> ReadLeaseAsync(DbConnection connection, DbTransaction transaction, string sql, string owner, string token,
        IEnumerable<(string Name, object? Value)> parameters, CancellationToken cancellationToken)
    {
        await using var command = JobDb.Command(connection, transaction, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new JobLease(reader.GetString(0), reader.GetString(1), reader.GetString(2), JobDb.ToInt(reader.GetValue(3)), JobDb.ToInt(reader.GetValue(4)), owner, token)
            : null;
    }

    private static void ValidateJson(string json)
    {
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(json);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new CombInputException($"job payload is not JSON: {ex.Message}", ex);
        }
    }

    private static JobRecord ReadRecord(DbDataReader r)
    {
        static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
        static DateTimeOffset? Time(DbDataReader r, int i) => r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(JobDb.ToLong(r.GetValue(i)));
        var progress = r.IsDBNull(10) ? null : new JobProgress(JobDb.ToLong(r.GetValue(10)), JobDb.ToLong(r.GetValue(11)), Text(r, 12));
        return new JobRecord(r.GetString(0), r.GetString(1), r.GetString(2), Text(r, 3), ParseState(r.GetString(4)), JobDb.ToInt(r.GetValue(5)), JobDb.ToInt(r.GetValue(6)),
            Text(r, 7), Text(r, 8), Text(r, 9), progress, Time(r, 13)!.Value, Time(r, 14), Time(r, 15), Time(r, 16)!.Value, Text(r, 17), Time(r, 18), JobDb.ToInt(r.GetValue(19)) == 1);
    }
}
