using Comb.Contracts;

namespace Comb.Server.Scans;

/// <summary>Adds the server's stored VEX statements to a scan's options, as `--vex` documents (the console's triage provides it).</summary>
public interface IScanVexSource
{
    Task<ScanOptions> ApplyAsync(ScanOptions options, CancellationToken cancellationToken);
}
