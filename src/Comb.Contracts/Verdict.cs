namespace Comb.Contracts;

public enum VerdictDecision
{
    Pass,
    Warn,
    Block,
}

/// <summary>What fails a scan besides the policy: the CLI's --fail-on and --exit-code, a server's gate settings.</summary>
public sealed record VerdictOptions
{
    /// <summary>Block when a presented finding has this severity or worse.</summary>
    public Severity? FailOn { get; init; }

    /// <summary>Exit code when findings are presented (0: findings alone do not fail the scan).</summary>
    public int ExitCodeOnFindings { get; init; }
}

/// <summary>The decision on one scan, shared by every host: the CLI maps it to an exit code, a server to a response.</summary>
public sealed record ScanVerdict
{
    public static readonly ScanVerdict Pass = new() { Decision = VerdictDecision.Pass, ExitCode = ExitCodes.Success };

    public required VerdictDecision Decision { get; init; }

    /// <summary>Why, one line each: the policy rules that fired, the fail-on threshold that was reached.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>The policy's own verdict when a policy was given (kept in the report).</summary>
    public PolicyVerdict? Policy { get; init; }

    /// <summary>Notes for the report, such as expired policy exceptions.</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>The process exit code for this verdict (<see cref="ExitCodes"/>, or the requested exit code on findings).</summary>
    public required int ExitCode { get; init; }

    /// <summary>The word users see: the policy's decision, else pass or fail.</summary>
    public string Label => Policy?.Decision ?? (ExitCode == ExitCodes.Success ? "pass" : "fail");
}

/// <summary>Takes the verdict on a report as presented (after the user's filters), once per scan.</summary>
public interface IVerdictService
{
    Task<ScanVerdict> DecideAsync(ScanReport presented, ScanOptions options, CancellationToken cancellationToken);
}

/// <summary>
/// A presentation filter (severities, unfixed, ignore file, VEX): applied to the whole report when it is shown or
/// judged, never before it is stored, so the history keeps every finding.
/// </summary>
public interface IReportFilter
{
    ScanReport Apply(ScanReport report, ScanOptions options);
}

/// <summary>Keeps a finished scan (the host's scan store) and returns its id.</summary>
public interface IScanRecorder
{
    Task<string> RecordAsync(ScanReport report, ScanOptions options, CancellationToken cancellationToken);
}
