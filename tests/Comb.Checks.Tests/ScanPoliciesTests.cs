using Comb.Checks.Policy;
using Comb.Contracts;
using static Comb.Checks.Tests.TestImages;

namespace Comb.Checks.Tests;

/// <summary>A policy given as content (a server's request), parsed once per scan for the trust stage and the verdict.</summary>
public sealed class ScanPoliciesTests
{
    [Fact]
    public async Task A_policy_given_as_content_is_parsed_once_per_scan_and_decides_the_verdict()
    {
        // Given a scan's options with a policy as content (as a request carries it)
        var options = new ScanOptions
        {
            Policy = ScanDocument.FromContent("request-policy.yaml", "rules:\n  - id: no-critical\n    action: block\n    vulnerabilities: { min-severity: critical }\n"),
        };

        // When the trust stage and the verdict both ask for it
        var first = await ScanPolicies.GetAsync(options, TestContext.Current.CancellationToken);
        var second = await ScanPolicies.GetAsync(options, TestContext.Current.CancellationToken);
        var verdict = await new VerdictService(TimeProvider.System).DecideAsync(Report(Context()), options, TestContext.Current.CancellationToken);

        // Then it was parsed once for these options (another scan's options parse their own), and it blocks
        Assert.Same(first, second);
        Assert.NotSame(first, await ScanPolicies.GetAsync(options with { }, TestContext.Current.CancellationToken));
        Assert.Equal(VerdictDecision.Block, verdict.Decision);
        Assert.True(ScanPolicies.HasCustomPolicy(options));

        // And an invalid one is a user error naming the document
        var bad = new ScanOptions { Policy = ScanDocument.FromContent("request-policy.yaml", "rules:\n  - id: x\n    action: explode\n") };
        var error = await Assert.ThrowsAsync<CombInputException>(() => ScanPolicies.GetAsync(bad, TestContext.Current.CancellationToken));
        Assert.Contains("request-policy.yaml", error.Message, StringComparison.Ordinal);
    }

    private static ScanReport Report(ScanContext context) => new()
    {
        CreatedAt = DateTimeOffset.UnixEpoch,
        ToolVersion = "test",
        Image = context.Image,
        Vulnerabilities = context.Vulnerabilities,
        Secrets = [.. context.Secrets],
        Misconfigurations = [.. context.Misconfigurations],
    };

    private static ScanContext Context()
    {
        var context = new ScanContext(Inventory(Img()), new ScanOptions());
        context.Vulnerabilities = [new VulnerabilityFinding { Id = "CVE-2024-0001", PackageName = "openssl", PackageType = "deb", InstalledVersion = "3.0.1", Severity = Severity.Critical }];
        return context;
    }
}
