namespace Comb.Server.History;

/// <summary>One fleet re-match at a time per server: a second request while one runs is refused, not queued behind it.</summary>
public sealed class RescanGate : IDisposable
{
    private readonly SemaphoreSlim _running = new(1, 1);

    public bool TryEnter() => _running.Wait(0);

    public void Exit() => _running.Release();

    public void Dispose() => _running.Dispose();
}
