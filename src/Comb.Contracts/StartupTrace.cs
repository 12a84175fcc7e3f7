using System.Diagnostics;

namespace Comb.Contracts;

/// <summary>
/// Where a short command's time goes, for bench/speed: with <c>COMB_TRACE_TIMES=1</c> each <see cref="Mark"/> prints
/// the wall time since the process started, the process's CPU time and the assemblies loaded so far to standard
/// error. Off (one static read per mark) otherwise.
/// </summary>
public static class StartupTrace
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("COMB_TRACE_TIMES") == "1";

    public static void Mark(string what)
    {
        if (!Enabled)
        {
            return;
        }

        var wall = DateTime.Now - Process.GetCurrentProcess().StartTime;
        var cpu = Environment.CpuUsage.TotalTime;
        Console.Error.WriteLine($"trace {what,-24} wall {wall.TotalMilliseconds,7:F1} ms  cpu {cpu.TotalMilliseconds,7:F1} ms  assemblies {AppDomain.CurrentDomain.GetAssemblies().Length}");
    }
}
