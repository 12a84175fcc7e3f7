using Comb.Jobs;

namespace Comb.Server.Metrics;

/// <summary>The job queue on the server's store, opened (and migrated) once on first use and disposed with the host.</summary>
public sealed class ServerQueue(ServerLocations locations, TimeProvider time) : IAsyncDisposable
{
    private readonly Lazy<Task<JobQueue>> _queue = new(() => JobQueue.OpenAsync(locations.Store, new JobQueueOptions { TimeProvider = time }, CancellationToken.None));

    public Task<JobQueue> GetAsync(CancellationToken cancellationToken) => _queue.Value.WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_queue.IsValueCreated && _queue.Value.IsCompletedSuccessfully)
        {
            await _queue.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }
}
