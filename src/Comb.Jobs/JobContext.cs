using System.Data.Common;

namespace Comb.Jobs;

/// <summary>What a handler sees of its job: the payload, the attempt, progress reporting and a fenced completion.</summary>
public sealed class JobContext
{
    private readonly JobQueue _queue;

    internal JobContext(JobQueue queue, JobLease lease)
    {
        _queue = queue;
        Lease = lease;
    }

    public JobLease Lease { get; }

    public string JobId => Lease.JobId;

    public string Payload => Lease.Payload;

    /// <summary>1 on the first attempt.</summary>
    public int Attempt => Lease.Attempt;

    /// <summary>True once <see cref="CompleteWithAsync"/> has recorded the job.</summary>
    public bool Completed { get; private set; }

    /// <summary>True once a write found the lease gone; the handler should stop, another worker owns the job.</summary>
    public bool LeaseLost { get; private set; }

    public async Task ReportProgressAsync(JobProgress progress, CancellationToken cancellationToken)
    {
        if (!await _queue.ReportProgressAsync(Lease, progress, cancellationToken).ConfigureAwait(false))
        {
            LeaseLost = true;
        }
    }

    /// <summary>
    /// Writes the job's result rows and marks it succeeded in one transaction that holds the live lease, so the rows are
    /// written once even when a worker that lost its lease finishes too. Returns false, writing nothing, when the lease is lost.
    /// </summary>
    public async Task<bool> CompleteWithAsync(Func<DbConnection, DbTransaction, CancellationToken, Task> write, string? result, CancellationToken cancellationToken)
    {
        if (await _queue.CompleteAsync(Lease, result, write, cancellationToken).ConfigureAwait(false))
        {
            Completed = true;
            return true;
        }

        LeaseLost = true;
        return false;
    }
}
