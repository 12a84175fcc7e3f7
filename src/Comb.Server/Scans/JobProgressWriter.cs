using Comb.Engine;
using Comb.Jobs;

namespace Comb.Server.Scans;

/// <summary>
/// Turns the engine's progress events into the job's progress ("layer 3 of 7"). Events arrive on the scan's threads;
/// writes go to the database one at a time, and a burst collapses into its newest value.
/// </summary>
internal sealed class JobProgressWriter(JobContext context, CancellationToken cancellationToken) : IProgress<ScanProgress>
{
    private readonly Lock _gate = new();
    private int _layersDone;
    private int _layerCount;
    private JobProgress? _pending;
    private Task _writing = Task.CompletedTask;
    private bool _running;

    public void Report(ScanProgress value)
    {
        lock (_gate)
        {
            switch (value.Stage)
            {
                case "opened":
                    _layerCount = value.LayerCount;
                    _pending = new JobProgress(0, _layerCount, $"{_layerCount} layers");
                    break;
                case "layer-cached" or "layer-done":
                    _layersDone++;
                    _pending = new JobProgress(_layersDone, _layerCount, $"layer {_layersDone} of {_layerCount}{(value.Stage == "layer-cached" ? " (cached)" : "")}");
                    break;
                case "analyzing":
                    _pending = new JobProgress(_layerCount, _layerCount, "matching and checks");
                    break;
                default:
                    return;
            }

            if (!_running)
            {
                _running = true;
                _writing = Task.Run(WriteAsync, CancellationToken.None);
            }
        }
    }

    /// <summary>Waits for the last progress write (the completion must not race it).</summary>
    public Task FlushAsync()
    {
        lock (_gate)
        {
            return _writing;
        }
    }

    private async Task WriteAsync()
    {
        while (true)
        {
            JobProgress? next;
            lock (_gate)
            {
                next = _pending;
                _pending = null;
                if (next is null || cancellationToken.IsCancellationRequested)
                {
                    _running = false;
                    return;
                }
            }

            try
            {
                await context.ReportProgressAsync(next, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException || Jobs.JobDb.IsTransient(ex))
            {
                // Progress is advisory: a lost write is replaced by the next one.
            }
        }
    }
}
