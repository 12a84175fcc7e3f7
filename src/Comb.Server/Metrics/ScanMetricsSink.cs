using Comb.Engine;

namespace Comb.Server.Metrics;

/// <summary>
/// Feeds <see cref="ServerMetrics"/> from the engine's progress of every scan this process runs (the server's
/// in-process workers and `comb worker` alike): each layer's time and whether the layer cache had it, each scan's time
/// and how it ended.
/// </summary>
internal sealed class ScanMetricsSink(ServerMetrics metrics) : IScanProgressSink
{
    public void Report(ScanProgress value)
    {
        if (value.Elapsed is not { } elapsed)
        {
            return;
        }

        switch (value.Stage)
        {
            case "layer-cached":
                metrics.RecordLayer(elapsed, cacheHit: true);
                break;
            case "layer-done":
                metrics.RecordLayer(elapsed, cacheHit: false);
                break;
            case "done":
                metrics.RecordScan(elapsed, "succeeded");
                break;
            case "failed" or "cancelled":
                metrics.RecordScan(elapsed, value.Stage);
                break;
        }
    }
}
