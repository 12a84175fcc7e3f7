using System.Globalization;
using Comb.Contracts;

namespace Comb.Checks.Policy;

/// <summary>
/// The one place a scan's verdict is taken, for every host: the policy (when given) applied to the report as
/// presented, then the fail-on threshold and the exit code on findings. Without either, a scan passes.
/// </summary>
public sealed class VerdictService(TimeProvider clock) : IVerdictService
{
    public async Task<ScanVerdict> DecideAsync(ScanReport presented, ScanOptions options, CancellationToken cancellationToken)
    {
        var policy = await ScanPolicies.GetAsync(options, cancellationToken).ConfigureAwait(false) is { } document
            ? new PolicyEvaluator(document, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)).Evaluate(presented)
            : null;
        var reasons = new List<string>();
        var exitCode = ExitCodes.Success;
        if (policy is not null)
        {
            reasons.AddRange(policy.Fired.Select(f => $"policy rule {f.RuleId} ({f.Action}): {f.Message}"));
            if (policy.Decision == PolicyActions.Block)
            {
                exitCode = ExitCodes.PolicyFailed;
            }
        }

        var gate = options.Verdict;
        var severities = Severities(presented).ToList();
        if (exitCode == ExitCodes.Success && gate.FailOn is { } threshold && severities.Count(s => s >= threshold) is > 0 and var over)
        {
            exitCode = gate.ExitCodeOnFindings != 0 ? gate.ExitCodeOnFindings : ExitCodes.PolicyFailed;
            reasons.Add($"{over.ToString(CultureInfo.InvariantCulture)} findings of severity {threshold.ToUpperName()} or worse");
        }
        else if (exitCode == ExitCodes.Success && gate.FailOn is null && gate.ExitCodeOnFindings != 0 && severities.Count > 0)
        {
            exitCode = gate.ExitCodeOnFindings;
            reasons.Add($"{severities.Count.ToString(CultureInfo.InvariantCulture)} findings reported");
        }

        return new ScanVerdict
        {
            Decision = exitCode != ExitCodes.Success ? VerdictDecision.Block : policy?.Decision == PolicyActions.Warn ? VerdictDecision.Warn : VerdictDecision.Pass,
            Reasons = reasons,
            Policy = policy,
            Diagnostics = policy is null ? [] : [.. policy.ExpiredExceptions.Select(e => new Diagnostic { Message = "Policy " + e, Source = "policy" })],
            ExitCode = exitCode,
        };
    }

    private static IEnumerable<Severity> Severities(ScanReport report) =>
        report.Vulnerabilities.Select(v => v.Severity)
            .Concat(report.Secrets.Select(s => s.Severity))
            .Concat(report.Malware.Select(m => m.Severity))
            .Concat(report.Misconfigurations.Select(m => m.Severity));
}
