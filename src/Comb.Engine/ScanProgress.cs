namespace Comb.Engine;

/// <summary>Progress events of one image scan, for bars on a terminal or plain lines in CI logs.</summary>
public sealed record ScanProgress
{
    public required string Image { get; init; }

    /// <summary>opened, layer-cached, layer-start, layer-done, analyzing, done.</summary>
    public required string Stage { get; init; }
    public string? Layer { get; init; }
    public int LayerIndex { get; init; }
    public int LayerCount { get; init; }
    public long Bytes { get; init; }
}
