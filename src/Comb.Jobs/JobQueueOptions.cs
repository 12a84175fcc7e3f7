namespace Comb.Jobs;

/// <summary>Settings of a job queue. The defaults suit a scan server; tests shorten the times.</summary>
public sealed record JobQueueOptions
{
    /// <summary>Queued jobs allowed at once; an enqueue beyond it answers "queue full". Zero means unbounded.</summary>
    public int MaxDepth { get; init; } = 10_000;

    /// <summary>The hint given with "queue full".</summary>
    public TimeSpan QueueFullRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    public int DefaultMaxAttempts { get; init; } = 5;

    /// <summary>How long a claim holds a job without a heartbeat; a killed worker's job is claimed again after it.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Delay before the second attempt; doubled for each further one, up to <see cref="BackoffMax"/>.</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Random extra delay, as a fraction of the backoff, so retries after an outage do not arrive together.</summary>
    public double BackoffJitter { get; init; } = 0.2;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// How long a call keeps retrying through transient database errors (a restarted PostgreSQL, a dropped connection, a busy
    /// SQLite file) before it gives up with the error. Workers go on retrying after that; callers such as the API see the error.
    /// </summary>
    public TimeSpan OutageRideOut { get; init; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (MaxDepth < 0 || DefaultMaxAttempts < 1 || LeaseDuration <= TimeSpan.Zero || BackoffBase < TimeSpan.Zero || BackoffMax < BackoffBase
            || BackoffJitter is < 0 or > 1 || QueueFullRetryAfter <= TimeSpan.Zero || OutageRideOut < TimeSpan.Zero)
        {
            throw new ArgumentException($"invalid job queue options: {this}");
        }
    }
}
