namespace Comb.Server.Metrics;

/// <summary>A cumulative histogram of durations in seconds with fixed upper bounds, safe to record into from any thread.</summary>
public sealed class DurationHistogram(IReadOnlyList<double> bounds)
{
    private readonly long[] _counts = new long[bounds.Count + 1];
    private readonly Lock _sumLock = new();
    private double _sum;

    public IReadOnlyList<double> Bounds { get; } = bounds;

    public void Record(TimeSpan duration)
    {
        var seconds = Math.Max(0, duration.TotalSeconds);
        var bucket = 0;
        while (bucket < Bounds.Count && seconds > Bounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _counts[bucket]);
        lock (_sumLock)
        {
            _sum += seconds;
        }
    }

    /// <summary>Cumulative counts per bound (the last one is +Inf, the total), and the sum of all durations.</summary>
    public (long[] Cumulative, double Sum) Snapshot()
    {
        double sum;
        var cumulative = new long[_counts.Length];
        lock (_sumLock)
        {
            sum = _sum;
            long running = 0;
            for (var i = 0; i < _counts.Length; i++)
            {
                running += Interlocked.Read(ref _counts[i]);
                cumulative[i] = running;
            }
        }

        return (cumulative, sum);
    }
}
