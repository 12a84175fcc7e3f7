using Comb.Contracts;

namespace Comb.Engine.Cache;

/// <summary>
/// Where analysed layers are kept, keyed by (diffID, analyzer-set key): the cache directory (default) or a server that
/// several hosts share. A read that finds nothing usable (missing, torn, corrupt) answers null, and the layer is analysed again.
/// </summary>
public interface ILayerCacheBackend
{
    /// <summary>Where the entries live, without secrets (for messages).</summary>
    string Location { get; }

    Task<LayerFacts?> GetAsync(string diffId, string analyzerKey, CancellationToken cancellationToken);

    Task PutAsync(string analyzerKey, LayerFacts facts, CancellationToken cancellationToken);

    /// <summary>
    /// Called after a miss, before the layer is analysed: a shared backend lets one caller at a time analyse a layer and
    /// makes the others wait for its entry (<see cref="LayerTurn.Facts"/>), so no layer is analysed twice at once.
    /// Disposing the turn lets the next caller in.
    /// </summary>
    Task<LayerTurn> TakeTurnAsync(string diffId, string analyzerKey, CancellationToken cancellationToken);
}

/// <summary>The right to analyse a layer, or the entry another caller wrote while this one waited.</summary>
public sealed class LayerTurn(LayerFacts? facts, Func<ValueTask>? release = null) : IAsyncDisposable
{
    /// <summary>A turn that coordinates nothing (a backend private to one host).</summary>
    public static LayerTurn Free { get; } = new(null);

    /// <summary>The entry written by another caller while this one waited; null when this caller should analyse.</summary>
    public LayerFacts? Facts { get; } = facts;

    public ValueTask DisposeAsync() => release?.Invoke() ?? ValueTask.CompletedTask;
}
