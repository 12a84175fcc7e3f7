namespace Comb.Jobs;

/// <summary>Settings of a worker: how many jobs at once, how it waits for work, how it stops.</summary>
public sealed record JobWorkerOptions
{
    /// <summary>Jobs run at once by this worker.</summary>
    public int Slots { get; init; } = Environment.ProcessorCount;

    /// <summary>Names this worker in leases (host/process by default).</summary>
    public string Owner { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>How often an idle slot looks for work without being woken (PostgreSQL NOTIFY or a local enqueue wakes it sooner).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a running job's lease is extended; a third of the lease by default.</summary>
    public TimeSpan? HeartbeatInterval { get; init; }

    /// <summary>How often expired leases are taken back; half the lease by default.</summary>
    public TimeSpan? RecoveryInterval { get; init; }

    /// <summary>How long running jobs may finish after a stop is asked for before they are cancelled and given back.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait after a database error before trying again.</summary>
    public TimeSpan ErrorDelay { get; init; } = TimeSpan.FromSeconds(1);
}
