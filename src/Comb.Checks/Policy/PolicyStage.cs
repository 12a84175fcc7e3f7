using Comb.Contracts;

namespace Comb.Checks.Policy;

/// <summary>
/// Decides the scan's verdict from the policy file (ScanOptions.PolicyFile); the name "default" selects the built-in
/// policy (policies/default.yaml). Without a policy the stage does not run, so plain scans never block.
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

    /// <summary>The PolicyFile value that selects the built-in policy.</summary>
    public const string DefaultPolicyName = "default";

    public bool IsEnabled(ScanOptions options) => options.PolicyFile is not null;

    public async Task RunAsync(ScanContext context, CancellationToken cancellationToken)
    {
        var path = context.Options.PolicyFile;
        var policy = path is null || (path == DefaultPolicyName && !File.Exists(path))
            ? PolicyLoader.Default
            : await PolicyLoader.LoadFileAsync(path, cancellationToken).ConfigureAwait(false);
        var verdict = new PolicyEvaluator(policy, DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime)).Evaluate(context);
        foreach (var expired in verdict.ExpiredExceptions)
        {
            context.Diagnostics.Add(new Diagnostic { Message = "Policy " + expired, Source = Id });
        }

        context.Policy = verdict;
    }
}
