using Comb.Checks.Policy;
using Comb.Contracts;

namespace Comb.Checks.Trust;

/// <summary>
/// Sets the scan's trust result from ScanOptions.TrustPolicyFile, or else from the `trust:` section of the policy file.
/// With neither, the stage does not run and the report carries no trust result.
/// </summary>
public sealed class TrustStage : IScanStage
{
    private readonly TrustEvaluator _evaluator;

    public TrustStage(ISignatureStoreFactory stores)
    {
        _evaluator = new TrustEvaluator(stores);
    }

    public string Id => "trust";

    public int Order => 300;

    public bool IsEnabled(ScanOptions options) =>
        options.TrustPolicyFile is not null || ScanPolicies.HasCustomPolicy(options);

    public async Task RunAsync(ScanContext context, CancellationToken cancellationToken)
    {
        TrustPolicy? policy;
        if (context.Options.TrustPolicyFile is { } trustPath)
        {
            policy = await TrustPolicyLoader.LoadFileAsync(trustPath, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            policy = (await ScanPolicies.GetAsync(context.Options, cancellationToken).ConfigureAwait(false))?.Trust;
        }

        if (policy is null)
        {
            return;
        }

        context.Trust = await _evaluator.EvaluateAsync(policy, context.Image, context.Options, cancellationToken).ConfigureAwait(false);
    }
}
