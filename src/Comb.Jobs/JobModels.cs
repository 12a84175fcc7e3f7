namespace Comb.Jobs;

/// <summary>Where a job is in its life. Succeeded, failed, cancelled and dead are final.</summary>
public enum JobState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Dead,
}

/// <summary>What a caller submits: a kind that selects the handler, a JSON payload, and an optional dedupe key.</summary>
/// <param name="DedupeKey">Jobs with the same key that are still queued or running are merged into one.</param>
/// <param name="MaxAttempts">Attempts before the job is dead; the queue's default when null.</param>
public sealed record JobRequest(string Kind, string Payload, string? DedupeKey = null, int? MaxAttempts = null);

/// <summary>How far a running job has come, e.g. layer 3 of 7.</summary>
public sealed record JobProgress(long Current, long Total, string? Message = null);

/// <summary>A job row as stored.</summary>
public sealed record JobRecord(
    string Id,
    string Kind,
    string Payload,
    string? DedupeKey,
    JobState State,
    int Attempts,
    int MaxAttempts,
    string? LastError,
    string? ErrorKind,
    string? Result,
    JobProgress? Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset NextAttemptAt,
    string? LeaseOwner,
    DateTimeOffset? LeaseExpiresAt,
    bool CancelRequested);

public enum EnqueueOutcome
{
    /// <summary>A new job row was committed.</summary>
    Enqueued,

    /// <summary>An identical job was already queued or running; its id is returned.</summary>
    Merged,

    /// <summary>The queue holds its configured depth; nothing was written. Try again after <see cref="EnqueueResult.RetryAfter"/>.</summary>
    QueueFull,
}

/// <summary>The answer to an enqueue: a job id (new or merged), or "queue full" with a retry-after hint.</summary>
public sealed record EnqueueResult(EnqueueOutcome Outcome, string? JobId, TimeSpan? RetryAfter)
{
    public static EnqueueResult Enqueued(string id) => new(EnqueueOutcome.Enqueued, id, null);

    public static EnqueueResult Merged(string id) => new(EnqueueOutcome.Merged, id, null);

    public static EnqueueResult Full(TimeSpan retryAfter) => new(EnqueueOutcome.QueueFull, null, retryAfter);
}

public enum CancelOutcome
{
    /// <summary>The job was queued and is now cancelled.</summary>
    Cancelled,

    /// <summary>The job is running; its worker is told and stops it.</summary>
    Requested,

    /// <summary>The job had already finished; nothing changed.</summary>
    AlreadyFinished,

    NotFound,
}

/// <summary>
/// A worker's hold on a running job. The token fences every later write: once the lease is lost (expired and
/// claimed again) writes carrying the old token change nothing.
/// </summary>
public sealed record JobLease(string JobId, string Kind, string Payload, int Attempt, int MaxAttempts, string Owner, string Token);

public enum HeartbeatOutcome
{
    Extended,

    /// <summary>The lease was extended and someone asked for the job to be cancelled.</summary>
    CancelRequested,

    /// <summary>The job is no longer this worker's: the lease expired and was reclaimed, or the job was finished.</summary>
    Lost,
}

/// <summary>Why a job attempt failed, and whether another attempt can help.</summary>
/// <param name="Kind">A short machine-readable kind: input, upstream, timeout, internal, lease-expired, ...</param>
public sealed record JobError(string Kind, string Message, bool Retryable);
