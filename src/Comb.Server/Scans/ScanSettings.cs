namespace Comb.Server.Scans;

/// <summary>Queue and worker settings, read from the same "Comb" section as <see cref="ServerSettings"/>; the defaults suit a server.</summary>
public sealed class ScanSettings
{
    /// <summary>Queued scans allowed at once; beyond it a submission answers 429 with Retry-After.</summary>
    public int MaxQueueDepth { get; set; } = 10_000;

    /// <summary>Attempts before a scan that keeps failing upstream is given up.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>How long a worker holds a scan without a heartbeat; a killed worker's scan runs again after it.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How often an idle worker looks for work when nothing wakes it.</summary>
    public double PollSeconds { get; set; } = 2;

    /// <summary>Delay before the second attempt of a scan that failed upstream; doubled for each further one.</summary>
    public double BackoffSeconds { get; set; } = 5;

    /// <summary>How long running scans may finish after a stop before they are given back to the queue.</summary>
    public double ShutdownGraceSeconds { get; set; } = 20;
}
