namespace Comb.Engine;

/// <summary>
/// Sees the progress of every scan the host's <see cref="ImageScanner"/> runs, besides the caller's own progress: a
/// server's metrics are fed this way. Hosts that register none (the CLI) pay nothing. Called on the scan's threads, so
/// an implementation must be thread-safe and quick.
/// </summary>
public interface IScanProgressSink
{
    void Report(ScanProgress value);
}
