namespace Comb.Engine;

/// <summary>Progress events of one image scan, for bars on a terminal, plain lines in CI logs, and a host's metrics.</summary>
public sealed record ScanProgress
{
    public required string Image { get; init; }

    /// <summary>opened, layer-cached, layer-start, layer-done, analyzing, done; failed or cancelled when the scan ends without a report.</summary>
    public required string Stage { get; init; }
    public string? Layer { get; init; }
    public int LayerIndex { get; init; }
    public int LayerCount { get; init; }
    public long Bytes { get; init; }

    /// <summary>
    /// On layer-cached and layer-done: how long the layer took, from its cache lookup to its facts. On done, failed and
    /// cancelled: how long the whole scan took. Null on the other stages.
    /// </summary>
    public TimeSpan? Elapsed { get; init; }
}
