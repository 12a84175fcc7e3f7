using Comb.Contracts;

namespace Comb.Checks.Policy;

/// <summary>
/// Decides the scan's verdict from the policy file (ScanOptions.PolicyFile) or the built-in default policy.
/// The scan command turns a "block" decision into exit code 1.
/// </summary>
public sealed class PolicyStage : IScanStage
{
    private readonly TimeProvider _clock;

    public PolicyStage(TimeProvider clock)
    {
        _clock = clock;
    }

    public string Id => "policy";

    public int Order => 900;

    public bool IsEnabled(ScanOptions options) => true;

    public async Task RunAsync(ScanContext context, CancellationToken cancellationToken)
    {
        var policy = context.Options.PolicyFile is { } path
            ? await PolicyLoader.LoadFileAsync(path, cancellationToken).ConfigureAwait(false)
            : PolicyLoader.Default;
        var verdict = new PolicyEvaluator(policy, DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime)).Evaluate(context);
        foreach (var expired in verdict.ExpiredExceptions)
        {
            context.Diagnostics.Add(new Diagnostic { Message = "Policy " + expired, Source = Id });
        }

        context.Policy = verdict;
    }
}
