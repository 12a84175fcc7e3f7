using System.Collections.Concurrent;
using System.Diagnostics;

namespace Comb.Jobs.Tests;

/// <summary>A real worker process (the test worker program) on a store; records the jobs it started and recorded.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WorkerProcess(string location, string owner, int slots, int leaseMs, int pollMs = 200)
    {
        Owner = owner;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet, [Path.Combine(AppContext.BaseDirectory, "Comb.Jobs.TestWorker.dll"), location, owner, slots.ToString(), leaseMs.ToString(), pollMs.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            if (e.Data == "ready")
            {
                _ready.TrySetResult();
            }
            else if (e.Data.StartsWith("start ", StringComparison.Ordinal))
            {
                Started.Add(e.Data[6..]);
            }
            else if (e.Data.StartsWith("done ", StringComparison.Ordinal))
            {
                Done.Add(e.Data[5..]);
            }
        };
        _process.ErrorDataReceived += (_, e) => Errors.Add(e.Data ?? "");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Owner { get; }

    public ConcurrentBag<string> Started { get; } = [];

    public ConcurrentBag<string> Done { get; } = [];

    public ConcurrentBag<string> Errors { get; } = [];

    public Task Ready => _ready.Task;

    /// <summary>SIGKILL: no shutdown code runs, leases are left as they are.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Asks for a graceful stop (closing standard input) and waits for it and for the end of its output.</summary>
    public async Task<int> StopAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public override string ToString() => $"{Owner}: started {Started.Count}, done {Done.Count}, errors: {string.Join(" | ", Errors.Where(e => e.Length > 0).Take(5))}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
