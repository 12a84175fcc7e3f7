using System.Collections.Concurrent;

namespace Comb.Storage;

/// <summary>
/// The scan stores a host uses, owned by the host: each location is opened and migrated once, on first use, then
/// shared by every scan and query; disposing the host disposes them all (connection pools, PostgreSQL data sources).
/// </summary>
public sealed class ScanStores : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ScanStore>>> _open = new(StringComparer.Ordinal);
    private int _disposed;

    /// <summary>How many stores this host opened (each location once), for hosts that report their resources.</summary>
    public int OpenedCount => _open.Values.Count(l => l.IsValueCreated && l.Value.IsCompletedSuccessfully);

    /// <summary>The store at a SQLite path or postgres:// URL, opened and migrated the first time it is asked for.</summary>
    public async Task<ScanStore> GetAsync(string location, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // Opening is not tied to the first caller's token: a cancelled scan must not poison the store for the others.
        var lazy = _open.GetOrAdd(location, l => new Lazy<Task<ScanStore>>(() => ScanStore.OpenAsync(l, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (lazy.Value.IsFaulted)
        {
            // A store that failed to open (bad URL, server down) is tried again by the next caller.
            _open.TryRemove(new KeyValuePair<string, Lazy<Task<ScanStore>>>(location, lazy));
            throw;
        }
    }

    /// <summary>For hosts that dispose synchronously; the stores are released the same way.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var lazy in _open.Values.Where(l => l.IsValueCreated))
        {
            ScanStore store;
            try
            {
                store = await lazy.Value.ConfigureAwait(false);
            }
            catch (Exception) when (!lazy.Value.IsCompletedSuccessfully)
            {
                continue; // a failed open released what it had
            }

            await store.DisposeAsync().ConfigureAwait(false);
        }

        _open.Clear();
    }
}
