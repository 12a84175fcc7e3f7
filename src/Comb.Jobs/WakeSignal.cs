namespace Comb.Jobs;

/// <summary>
/// Wakes every idle worker slot at once. A slot takes <see cref="Next"/> before it looks for work, so a signal that
/// arrives while it is looking is not lost: the task it then waits on is already complete.
/// </summary>
public sealed class WakeSignal
{
    private TaskCompletionSource _next = NewSource();

    public Task Next => Volatile.Read(ref _next).Task;

    public void Signal() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
