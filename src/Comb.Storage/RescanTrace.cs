using System.Collections.Concurrent;
using System.Diagnostics;

namespace Comb.Storage;

/// <summary>
/// Where a rescan's time goes, for bench/fleet: with <c>COMB_TRACE_TIMES=1</c> each phase adds its wall and process
/// CPU time to a named total, and <see cref="Report"/> prints the totals to standard error. Off (one static read per
/// phase) otherwise. A rescan writes one batch while it re-checks the next: phases that overlap both count the
/// process's CPU of that time.
/// </summary>
public static class RescanTrace
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("COMB_TRACE_TIMES") == "1";
    private static readonly ConcurrentDictionary<string, (TimeSpan Wall, TimeSpan Cpu)> Totals = new(StringComparer.Ordinal);

    /// <summary>A running phase; disposing it adds its time to <paramref name="name"/>.</summary>
    public static Phase Start(string name) => Enabled ? new Phase(name, Stopwatch.GetTimestamp(), Environment.CpuUsage.TotalTime) : default;

    /// <summary>Prints and clears the totals.</summary>
    public static void Report(string title)
    {
        if (!Enabled)
        {
            return;
        }

        foreach (var (name, (wall, cpu)) in Totals.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            Console.Error.WriteLine($"trace {title}: {name,-28} wall {wall.TotalSeconds,6:F2} s  cpu {cpu.TotalSeconds,6:F2} s");
        }

        Totals.Clear();
    }

    public readonly struct Phase(string? name, long started, TimeSpan cpu) : IDisposable
    {
        public void Dispose()
        {
            if (name is null)
            {
                return;
            }

            var wall = Stopwatch.GetElapsedTime(started);
            var used = Environment.CpuUsage.TotalTime - cpu;
            Totals.AddOrUpdate(name, (wall, used), (_, t) => (t.Wall + wall, t.Cpu + used));
        }
    }
}
