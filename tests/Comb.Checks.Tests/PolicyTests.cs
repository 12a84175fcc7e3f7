using Comb.Checks.Policy;
using Comb.Contracts;
using static Comb.Checks.Tests.TestImages;

namespace Comb.Checks.Tests;

public sealed class PolicyTests
{
    private static readonly DateOnly Today = new(2026, 11, 26);

    private static PolicyDocument Load(string yaml)
    {
        var result = PolicyLoader.Parse(yaml);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return result.Policy!;
    }

    private static ScanContext Context(ImageMetadata? image = null)
    {
        var context = new ScanContext(Inventory(image ?? Img()), new ScanOptions());
        context.Vulnerabilities =
        [
            new VulnerabilityFinding { Id = "CVE-2024-0001", Aliases = ["GHSA-aaaa-bbbb-cccc"], PackageName = "openssl", PackageType = "deb", InstalledVersion = "3.0.1", Severity = Severity.Critical, FixedVersions = ["3.0.2"] },
            new VulnerabilityFinding { Id = "CVE-2024-0002", PackageName = "zlib", PackageType = "deb", InstalledVersion = "1.2", Severity = Severity.Critical },
            new VulnerabilityFinding { Id = "CVE-2024-0003", PackageName = "curl", PackageType = "deb", InstalledVersion = "7.0", Severity = Severity.High, FixedVersions = ["7.1"], KnownExploited = true,
                Cvss = [new CvssScore { Source = "nvd", Version = "3.1", Vector = "CVSS:3.1/AV:N", BaseScore = 8.1 }] },
            new VulnerabilityFinding { Id = "CVE-2024-0004", PackageName = "bash", PackageType = "deb", InstalledVersion = "5", Severity = Severity.Low },
        ];
        context.Secrets.Add(new SecretFinding { RuleId = "aws-access-key-id", Title = "AWS key", Severity = Severity.Critical, Path = "app/.env", Masked = "AKIA****" });
        context.Misconfigurations.Add(new ConfigFinding { CheckId = "CIS-DI-0001", Title = "root", Severity = Severity.High, Message = "No USER", Location = "USER" });
        context.Misconfigurations.Add(new ConfigFinding { CheckId = "CIS-DI-0006", Title = "hc", Severity = Severity.Low, Message = "No HC", Location = "config.json" });
        return context;
    }

    private static PolicyVerdict Evaluate(string yaml, ScanContext? context = null) => new PolicyEvaluator(Load(yaml), Today).Evaluate(context ?? Context());

    [Fact]
    public void Vulnerability_rules_filter_by_severity_fix_kev_and_cvss()
    {
        var verdict = Evaluate("""
            name: t
            rules:
              - id: critical-fixed
                action: block
                vulnerabilities: { min-severity: critical, fixed-only: true }
              - id: kev
                action: warn
                vulnerabilities: { kev-only: true }
              - id: cvss
                action: warn
                vulnerabilities: { min-cvss: 8.0 }
              - id: low
                action: warn
                vulnerabilities: { severities: [low], packages: ["ba*"] }
            """);

        Assert.Equal("block", verdict.Decision);
        Assert.Equal(["critical-fixed", "kev", "cvss", "low"], verdict.Fired.Select(f => f.RuleId));
        Assert.Contains("CVE-2024-0001", Assert.Single(verdict.Fired[0].Matches), StringComparison.Ordinal);
        Assert.Contains("CVE-2024-0003", Assert.Single(verdict.Fired[1].Matches), StringComparison.Ordinal);
        Assert.Contains("CVE-2024-0003", Assert.Single(verdict.Fired[2].Matches), StringComparison.Ordinal);
        Assert.Contains("CVE-2024-0004", Assert.Single(verdict.Fired[3].Matches), StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_malware_and_config_rules_fire_on_their_findings()
    {
        var context = Context();
        context.Malware.Add(new MalwareFinding { Path = "tmp/x", Engines = ["hash"], Signatures = ["Eicar-Test-Signature"], Category = "test-file", Sha256 = "ab", Severity = Severity.Medium });

        var verdict = Evaluate("""
            name: t
            rules:
              - { id: secrets, action: block, secrets: { min-severity: high, rules: ["aws-*"] } }
              - { id: malware, action: block, malware: {} }
              - { id: root, action: warn, config: { checks: [CIS-DI-0001] } }
              - { id: nothing, action: warn, config: { checks: ["DKL-*"] } }
            """, context);

        Assert.Equal(["secrets", "malware", "root"], verdict.Fired.Select(f => f.RuleId));
    }

    [Fact]
    public void Warn_rules_alone_give_warn_and_no_match_gives_pass()
    {
        Assert.Equal("warn", Evaluate("name: t\nrules:\n  - { id: hc, action: warn, config: { checks: [CIS-DI-0006] } }\n").Decision);
        Assert.Equal("pass", Evaluate("name: t\nrules:\n  - { id: m, action: block, malware: {} }\n").Decision);
    }

    [Fact]
    public void Active_exceptions_suppress_and_expired_ones_are_reported_and_ignored()
    {
        var verdict = Evaluate("""
            name: t
            rules:
              - id: critical
                action: block
                vulnerabilities: { min-severity: critical }
            exceptions:
              - id: GHSA-aaaa-bbbb-cccc
                expires: 2026-12-31
                reason: patched build rolls out next week
              - id: CVE-2024-0002
                expires: 2026-11-01
                reason: vendor said it was not reachable
            """);

        var fired = Assert.Single(verdict.Fired);
        Assert.Contains("CVE-2024-0002", Assert.Single(fired.Matches), StringComparison.Ordinal);
        Assert.Contains("CVE-2024-0001", Assert.Single(verdict.Suppressed), StringComparison.Ordinal);
        Assert.Contains("patched build", verdict.Suppressed[0], StringComparison.Ordinal);
        var expired = Assert.Single(verdict.ExpiredExceptions);
        Assert.Contains("expired on 2026-11-01", expired, StringComparison.Ordinal);
        Assert.Contains("line 10", expired, StringComparison.Ordinal);
    }

    [Fact]
    public void An_exception_applies_through_its_last_day()
    {
        const string yaml = "name: t\nrules:\n  - { id: m, action: block, config: {} }\nexceptions:\n  - { image: \"registry.test/**\", expires: 2026-11-26, reason: r }\n";
        Assert.Equal("pass", Evaluate(yaml).Decision);
        Assert.Equal("block", new PolicyEvaluator(Load(yaml), Today.AddDays(1)).Evaluate(Context()).Decision);
    }

    [Fact]
    public void Exceptions_can_be_limited_by_package_image_and_rule()
    {
        var verdict = Evaluate("""
            name: t
            rules:
              - { id: vulns, action: block, vulnerabilities: { min-severity: critical } }
              - { id: config, action: warn, config: {} }
            exceptions:
              - { package: "zlib", reason: "no fix upstream" }
              - { id: "CIS-*", image: "registry.test/app", rules: [config], reason: "legacy app, ticket OPS-12" }
              - { id: CVE-2024-0001, image: "other.test/**", reason: "different image" }
            """);

        var fired = Assert.Single(verdict.Fired);
        Assert.Equal("vulns", fired.RuleId);
        Assert.Contains("CVE-2024-0001", Assert.Single(fired.Matches), StringComparison.Ordinal);
        Assert.Equal(3, verdict.Suppressed.Count);
    }

    [Fact]
    public void Trust_rules_fire_for_untrusted_images_or_signature_states()
    {
        var context = Context();
        const string yaml = "name: t\nrules:\n  - { id: trust, action: block, trust: { signature-status: [missing] } }\n";
        Assert.Equal("pass", Evaluate(yaml, context).Decision); // no trust result at all

        context.Trust = new TrustResult { Trusted = true, Reasons = ["registry ok"], SignatureStatus = "missing" };
        Assert.Equal("block", Evaluate(yaml, context).Decision);

        context.Trust = new TrustResult { Trusted = false, Reasons = ["registry: no match"], SignatureStatus = "valid" };
        var verdict = Evaluate("name: t\nrules:\n  - { id: trust, action: warn, trust: {} }\n", context);
        Assert.Contains("registry: no match", Assert.Single(Assert.Single(verdict.Fired).Matches), StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_policies_list_every_problem_with_its_line()
    {
        const string yaml = """
            name: broken
            rules:
              - id: one
                action: stop
                vulnerabilities: { min-severity: severe }
              - action: warn
                secrets: {}
              - id: two
                action: warn
                malware: {}
                config: {}
              - id: three
                action: warn
                vulnerabilities: { min-cvss: 11, fixed: true }
            exceptions:
              - id: CVE-1
                expires: next week
              - reason: nothing to match
                rules: [missing-rule]
            extra: 1
            """;

        var result = PolicyLoader.Parse(yaml);

        Assert.False(result.IsValid);
        var byLine = result.Errors.Select(e => (e.Line, e.Message)).ToList();
        Assert.Contains(byLine, e => e.Line == 4 && e.Message.Contains("'warn' or 'block'", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 5 && e.Message.Contains("severe", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 6 && e.Message.Contains("'id'", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 8 && e.Message.Contains("several kinds", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 14 && e.Message.Contains("min-cvss", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 14 && e.Message.Contains("unknown key 'fixed'", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 16 && e.Message.Contains("reason", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 17 && e.Message.Contains("YYYY-MM-DD", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 18 && e.Message.Contains("at least one of id, package or image", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 19 && e.Message.Contains("missing-rule", StringComparison.Ordinal));
        Assert.Contains(byLine, e => e.Line == 20 && e.Message.Contains("unknown key 'extra'", StringComparison.Ordinal));
    }

    [Fact]
    public void Yaml_syntax_errors_carry_their_position()
    {
        var result = PolicyLoader.Parse("name: x\nrules:\n  - id: a\n   action: [warn\n");

        var error = Assert.Single(result.Errors);
        Assert.True(error.Line >= 3, error.ToString());
        Assert.StartsWith("YAML syntax error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_policy_is_valid_and_blocks_fixable_criticals_and_secrets()
    {
        var policy = PolicyLoader.Default;
        var verdict = new PolicyEvaluator(policy, Today).Evaluate(Context());

        Assert.Equal("comb-default", policy.Name);
        Assert.Equal("block", verdict.Decision);
        Assert.Contains(verdict.Fired, f => f.RuleId == "block-critical-fixable");
        Assert.Contains(verdict.Fired, f => f.RuleId == "block-known-exploited");
        Assert.Contains(verdict.Fired, f => f.RuleId == "block-secrets");
        Assert.Contains(verdict.Fired, f => f.RuleId == "warn-misconfiguration");

        var file = Path.Combine(Comb.Testing.RepoRoot.Require(), "policies", "default.yaml");
        Assert.True(PolicyLoader.Parse(File.ReadAllText(file)).IsValid);
    }

    [Fact]
    public async Task The_verdict_uses_the_policy_file_and_reports_expired_exceptions()
    {
        var dir = Directory.CreateTempSubdirectory("comb-policy-");
        try
        {
            var path = Path.Combine(dir.FullName, "policy.yaml");
            await File.WriteAllTextAsync(path, "name: file\nrules:\n  - { id: hc, action: warn, config: { checks: [CIS-DI-0006] } }\nexceptions:\n  - { id: X, expires: 2020-01-01, reason: old }\n", TestContext.Current.CancellationToken);
            var options = new ScanOptions { PolicyFile = path };
            var context = new ScanContext(Inventory(Img()), options);
            context.Misconfigurations.AddRange(Context().Misconfigurations);

            var verdict = await new VerdictService(new FixedClock(Today)).DecideAsync(context.ToReport(), options, TestContext.Current.CancellationToken);

            Assert.Equal("warn", verdict.Policy!.Decision);
            Assert.Equal((VerdictDecision.Warn, ExitCodes.Success), (verdict.Decision, verdict.ExitCode));
            Assert.Equal("file", verdict.Policy.PolicyName);
            Assert.Contains(verdict.Diagnostics, d => d.Message.Contains("expired on 2020-01-01", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_verdict_rejects_an_invalid_policy_file_as_user_error()
    {
        var dir = Directory.CreateTempSubdirectory("comb-policy-");
        try
        {
            var path = Path.Combine(dir.FullName, "bad.yaml");
            await File.WriteAllTextAsync(path, "name: bad\nrules:\n  - { id: x, action: maybe, malware: {} }\n", TestContext.Current.CancellationToken);
            var options = new ScanOptions { PolicyFile = path };
            var context = new ScanContext(Inventory(Img()), options);

            var error = await Assert.ThrowsAsync<CombInputException>(() => new VerdictService(new FixedClock(Today)).DecideAsync(context.ToReport(), options, TestContext.Current.CancellationToken));

            Assert.Contains("bad.yaml:3:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

internal sealed class FixedClock(DateOnly day) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => new(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);
}
