namespace Comb.Engine;

/// <summary>
/// What a host lets the engine use at once, kept across every scan of the host: scans in flight, and bytes of file
/// content held in memory for the analyzers (layer buffers). A file that does not fit the byte budget waits for
/// others to be released; one larger than the whole budget goes through a temporary file instead.
/// </summary>
public sealed class ScanBudget
{
    private readonly SemaphoreSlim _scans;
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private int _scansInFlight;
    private int _peakScans;
    private long _bytesInFlight;
    private long _peakBytes;
    private long _reservations;
    private long _waits;

    public ScanBudget(int maxConcurrentScans = 0, long maxBufferBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxConcurrentScans);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBufferBytes);
        MaxConcurrentScans = maxConcurrentScans;
        MaxBufferBytes = maxBufferBytes;
        _scans = new SemaphoreSlim(maxConcurrentScans > 0 ? maxConcurrentScans : int.MaxValue);
    }

    /// <summary>No limits (the default when a host sets none).</summary>
    public static ScanBudget Unlimited => new();

    /// <summary>Scans run at once; 0 = no limit.</summary>
    public int MaxConcurrentScans { get; }

    /// <summary>Bytes of layer file content held in memory at once; 0 = no limit.</summary>
    public long MaxBufferBytes { get; }

    /// <summary>The most scans that ran at once.</summary>
    public int PeakScans => Volatile.Read(ref _peakScans);

    /// <summary>The most buffer bytes held at once.</summary>
    public long PeakBufferBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Buffer bytes held now (0 once every scan has ended).</summary>
    public long BufferBytesInFlight => Interlocked.Read(ref _bytesInFlight);

    /// <summary>Buffers asked for so far, and how many of them had to wait for room.</summary>
    public (long Requested, long Waited) Reservations => (Interlocked.Read(ref _reservations), Interlocked.Read(ref _waits));

    /// <summary>Whether a buffer of this size may be held in memory at all (else it goes through a temporary file).</summary>
    public bool FitsInMemory(long bytes) => MaxBufferBytes == 0 || bytes <= MaxBufferBytes;

    /// <summary>Waits for a scan slot; dispose the result when the scan ends.</summary>
    public async Task<IDisposable> EnterScanAsync(CancellationToken cancellationToken)
    {
        await _scans.WaitAsync(cancellationToken).ConfigureAwait(false);
        var now = Interlocked.Increment(ref _scansInFlight);
        InterlockedMax(ref _peakScans, now);
        return new Release(() =>
        {
            Interlocked.Decrement(ref _scansInFlight);
            _scans.Release();
        });
    }

    /// <summary>Waits until <paramref name="bytes"/> fit the byte budget and holds them; give them back with <see cref="ReleaseBytes"/>.</summary>
    public ValueTask ReserveBytesAsync(long bytes, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_gate)
        {
            Interlocked.Increment(ref _reservations);
            if (_waiters.Count == 0 && Fits(bytes))
            {
                Grant(bytes);
                return ValueTask.CompletedTask;
            }

            Interlocked.Increment(ref _waits);
            waiter = new Waiter(bytes);
            waiter.Node = _waiters.AddLast(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Cancellation = cancellationToken.Register(() =>
            {
                List<Waiter> granted;
                lock (_gate)
                {
                    if (waiter.Node?.List is null)
                    {
                        return; // already granted
                    }

                    // Leaving the queue may let the buffers behind this one in.
                    _waiters.Remove(waiter.Node);
                    granted = GrantWaiting();
                }

                waiter.Completion.TrySetCanceled(cancellationToken);
                Complete(granted);
            });
        }

        return new ValueTask(waiter.Completion.Task);
    }

    public void ReleaseBytes(long bytes)
    {
        List<Waiter> granted;
        lock (_gate)
        {
            Interlocked.Add(ref _bytesInFlight, -bytes);
            granted = GrantWaiting();
        }

        Complete(granted);
    }

    private static void Complete(List<Waiter> granted)
    {
        foreach (var waiter in granted)
        {
            waiter.Cancellation.Dispose();
            waiter.Completion.TrySetResult();
        }
    }

    // Called under the lock: grants waiters in order while they fit (first come, first served, so a large buffer is not starved).
    private List<Waiter> GrantWaiting()
    {
        var granted = new List<Waiter>();
        while (_waiters.First is { } first && Fits(first.Value.Bytes))
        {
            _waiters.RemoveFirst();
            Grant(first.Value.Bytes);
            granted.Add(first.Value);
        }

        return granted;
    }

    // A buffer always fits an empty budget, so one larger than the limit cannot wait forever.
    private bool Fits(long bytes) => MaxBufferBytes == 0 || _bytesInFlight == 0 || _bytesInFlight + bytes <= MaxBufferBytes;

    private void Grant(long bytes)
    {
        var now = Interlocked.Add(ref _bytesInFlight, bytes);
        InterlockedMax(ref _peakBytes, now);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes => bytes;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    private sealed class Release(Action release) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                release();
            }
        }
    }
}
