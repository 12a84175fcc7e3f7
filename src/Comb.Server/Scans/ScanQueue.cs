using Comb.Jobs;
using Microsoft.Extensions.Options;

namespace Comb.Server.Scans;

/// <summary>
/// The host's job queue, in the store's database: opened (and migrated) once on first use, shared by the API and the
/// workers, disposed with the host. A queue that failed to open is tried again by the next caller.
/// </summary>
public sealed class ScanQueue(ServerLocations locations, IOptions<ScanSettings> settings) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private JobQueue? _queue;
    private bool _disposed;

    /// <summary>The store's location, without a password.</summary>
    public string Location => Contracts.PostgresUrl.IsPostgres(locations.Store) ? Contracts.PostgresUrl.Redact(locations.Store) : locations.Store;

    public async Task<JobQueue> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _queue) is { } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _queue ??= await JobQueue.OpenAsync(locations.Store, Options(settings.Value), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public static JobQueueOptions Options(ScanSettings settings) => new()
    {
        MaxDepth = settings.MaxQueueDepth,
        DefaultMaxAttempts = settings.MaxAttempts,
        LeaseDuration = TimeSpan.FromSeconds(settings.LeaseSeconds),
        BackoffBase = TimeSpan.FromSeconds(settings.BackoffSeconds),
        BackoffMax = TimeSpan.FromSeconds(Math.Max(settings.BackoffSeconds, 600)),
    };

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_queue is not null)
            {
                await _queue.DisposeAsync().ConfigureAwait(false);
                _queue = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
