using Comb.Checks.Config;
using Comb.Checks.Policy;
using Comb.Checks.Trust;
using Comb.Contracts;
using static Comb.Checks.Tests.TestImages;

namespace Comb.Checks.Tests;

public sealed class StageTests
{
    private static readonly FixedClock Clock = new(new DateOnly(2026, 11, 26));

    [Fact]
    public void Stages_run_only_when_asked()
    {
        var configOff = new ScanOptions { Scanners = new HashSet<string> { Scanners.Vuln } };
        Assert.True(new ConfigCheckStage(Clock).IsEnabled(new ScanOptions()));
        Assert.False(new ConfigCheckStage(Clock).IsEnabled(configOff));
        Assert.False(new TrustStage(new NoSignatureStores()).IsEnabled(new ScanOptions { PolicyFile = "default" }));
        Assert.True(new TrustStage(new NoSignatureStores()).IsEnabled(new ScanOptions { TrustPolicyFile = "trust.yaml" }));
        Assert.Equal((200, 300), (new ConfigCheckStage(Clock).Order, new TrustStage(new NoSignatureStores()).Order));
    }

    [Fact]
    public async Task Config_stage_adds_image_and_dockerfile_findings_to_earlier_ones()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("comb-stage-");
        try
        {
            var dockerfile = Path.Combine(dir.FullName, "Dockerfile");
            await File.WriteAllTextAsync(dockerfile, "FROM alpine\nEXPOSE 22\n", ct);
            var context = new ScanContext(Inventory(Img(config: HardenedConfig with { User = null })), new ScanOptions { Dockerfile = dockerfile });
            var earlier = new ConfigFinding { CheckId = "X", Title = "x", Message = "x", Location = "x" };
            context.Misconfigurations.Add(earlier);

            await new ConfigCheckStage(Clock).RunAsync(context, ct);

            Assert.Same(earlier, context.Misconfigurations[0]);
            Assert.Contains(context.Misconfigurations, f => f.CheckId == "CIS-DI-0001" && f.Location == "USER");
            Assert.Contains(context.Misconfigurations, f => f.CheckId == "COMB-DI-0001" && f.Location == "Dockerfile:2");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_dockerfile_is_a_user_error()
    {
        var context = new ScanContext(Inventory(Img()), new ScanOptions { Dockerfile = "/nonexistent/Dockerfile" });

        var error = await Assert.ThrowsAsync<CombInputException>(() => new ConfigCheckStage(Clock).RunAsync(context, TestContext.Current.CancellationToken));

        Assert.Contains("Dockerfile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_default_uses_the_built_in_policy()
    {
        var options = new ScanOptions { PolicyFile = "default" };
        var context = new ScanContext(Inventory(Img()), options);
        context.Malware.Add(new MalwareFinding { Path = "x", Engines = ["hash"], Signatures = ["EICAR"], Category = "test-file", Sha256 = "00" });

        var verdict = await new VerdictService(Clock).DecideAsync(context.ToReport(), options, TestContext.Current.CancellationToken);

        Assert.Equal(("block", "comb-default"), (verdict.Policy!.Decision, verdict.Policy.PolicyName));
        Assert.Equal((VerdictDecision.Block, ExitCodes.PolicyFailed), (verdict.Decision, verdict.ExitCode));
        Assert.Contains(verdict.Reasons, r => r.StartsWith("policy rule ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_policy_the_verdict_follows_fail_on_and_the_exit_code_on_findings()
    {
        var context = new ScanContext(Inventory(Img()), new ScanOptions());
        context.Misconfigurations.Add(new ConfigFinding { CheckId = "X", Title = "x", Message = "x", Location = "x", Severity = Severity.Medium });
        var report = context.ToReport();
        var service = new VerdictService(Clock);
        Task<ScanVerdict> Decide(VerdictOptions gate) => service.DecideAsync(report, new ScanOptions { Verdict = gate }, TestContext.Current.CancellationToken);

        var plain = await Decide(new VerdictOptions());
        var belowThreshold = await Decide(new VerdictOptions { FailOn = Severity.High });
        var atThreshold = await Decide(new VerdictOptions { FailOn = Severity.Medium, ExitCodeOnFindings = 5 });
        var anyFinding = await Decide(new VerdictOptions { ExitCodeOnFindings = 4 });

        Assert.Equal((VerdictDecision.Pass, 0, "pass"), (plain.Decision, plain.ExitCode, plain.Label));
        Assert.Equal((VerdictDecision.Pass, 0), (belowThreshold.Decision, belowThreshold.ExitCode));
        Assert.Equal((VerdictDecision.Block, 5, "fail"), (atThreshold.Decision, atThreshold.ExitCode, atThreshold.Label));
        Assert.Equal((VerdictDecision.Block, 4), (anyFinding.Decision, anyFinding.ExitCode));
        Assert.Null(plain.Policy);
    }
}
