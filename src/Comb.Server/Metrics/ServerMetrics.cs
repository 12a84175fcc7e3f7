using System.Collections.Concurrent;

namespace Comb.Server.Metrics;

/// <summary>
/// What the scan workers of this process measured since it started: scan durations by outcome, layer durations by
/// whether the layer cache had them, and so the cache hit ratio. A host singleton; /metrics reads it.
/// </summary>
public sealed class ServerMetrics
{
    public static readonly IReadOnlyList<double> ScanBounds = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];
    public static readonly IReadOnlyList<double> LayerBounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    private readonly ConcurrentDictionary<string, DurationHistogram> _scans = new(StringComparer.Ordinal);
    private readonly DurationHistogram _layerHits = new(LayerBounds);
    private readonly DurationHistogram _layerMisses = new(LayerBounds);
    private long _cacheHits;
    private long _cacheMisses;

    /// <summary>One finished scan job and how it ended (succeeded, failed, cancelled, ...).</summary>
    public void RecordScan(TimeSpan duration, string status) =>
        _scans.GetOrAdd(string.IsNullOrWhiteSpace(status) ? "unknown" : status, _ => new DurationHistogram(ScanBounds)).Record(duration);

    /// <summary>One layer of a scan: read from the layer cache (hit) or analysed (miss).</summary>
    public void RecordLayer(TimeSpan duration, bool cacheHit)
    {
        (cacheHit ? _layerHits : _layerMisses).Record(duration);
        Interlocked.Increment(ref cacheHit ? ref _cacheHits : ref _cacheMisses);
    }

    public IReadOnlyList<(string Status, DurationHistogram Histogram)> Scans =>
        [.. _scans.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value))];

    public DurationHistogram LayerHits => _layerHits;

    public DurationHistogram LayerMisses => _layerMisses;

    public long CacheHits => Interlocked.Read(ref _cacheHits);

    public long CacheMisses => Interlocked.Read(ref _cacheMisses);
}
