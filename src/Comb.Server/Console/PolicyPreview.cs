using Comb.Checks.Policy;
using Comb.Storage;

namespace Comb.Server.WebConsole;

/// <summary>One image a rule fires on in a preview, with how many findings it matched there.</summary>
public sealed record PreviewHit(string Reference, string Digest, int Matches);

/// <summary>What a policy would do to the stored images: per rule (in the policy's order), the images it fires on.</summary>
public sealed record PreviewResult(int Images, IReadOnlyDictionary<string, IReadOnlyList<PreviewHit>> ByRule);

/// <summary>
/// Judges an edited policy against the newest scan of stored images with the policy evaluator itself, fed only the
/// parts of each scan the policy's rules and exceptions look at, read in a few batched queries.
/// </summary>
public static class PolicyPreview
{
    public static async Task<PreviewResult> JudgeAsync(ScanStore store, PolicyDocument policy, DateOnly today, int limit, CancellationToken ct)
    {
        var evaluator = new PolicyEvaluator(policy, today);
        var images = (await store.LatestPerImageAsync(ct)).Take(limit).ToList();
        var byRule = policy.Rules.ToDictionary(r => r.Id, _ => new List<PreviewHit>(), StringComparer.Ordinal);
        var judged = await store.ReadForJudgingAsync(images, PartsOf(policy, today), ct);
        foreach (var (image, report) in judged)
        {
            foreach (var fired in evaluator.Evaluate(report).Fired)
            {
                byRule[fired.RuleId].Add(new PreviewHit(image.Reference, image.Digest, fired.Matches.Count));
            }
        }

        return new PreviewResult(images.Count, byRule.ToDictionary(r => r.Key, r => (IReadOnlyList<PreviewHit>)r.Value, StringComparer.Ordinal));
    }

    /// <summary>What the evaluator reads for this policy: each kind of finding only when a rule selects it, image names only for a live image exception.</summary>
    public static JudgedParts PartsOf(PolicyDocument policy, DateOnly today) => new(
        ImageNames: policy.Exceptions.Any(e => e.Image is not null && !e.IsExpired(today)),
        Secrets: policy.Rules.Any(r => r.Selector is SecretSelector),
        Malware: policy.Rules.Any(r => r.Selector is MalwareSelector),
        Misconfigurations: policy.Rules.Any(r => r.Selector is ConfigSelector),
        Trust: policy.Rules.Any(r => r.Selector is TrustSelector));
}
