using System.Diagnostics;

namespace Comb.Bench;

/// <summary>Timing of store queries, shared by the history and fleet scenarios.</summary>
internal static class QueryTiming
{
    /// <summary>Median wall time in milliseconds of <paramref name="runs"/> runs of a query.</summary>
    public static double Median<T>(int runs, Func<Task<T>> query)
    {
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            query().GetAwaiter().GetResult();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[runs / 2];
    }
}
