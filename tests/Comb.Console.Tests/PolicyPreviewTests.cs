using System.Text.Json;
using Comb.Checks.Policy;
using Comb.Contracts;
using Comb.Server.WebConsole;
using Comb.Storage;
using Comb.Testing.Services;

namespace Comb.Console.Tests;

/// <summary>
/// The policy editor's preview reads only what the policy's rules look at; its answer must be the one the evaluator
/// gives on the whole stored reports, on both stores.
/// </summary>
public abstract class PolicyPreviewContract
{
    private static readonly DateOnly Today = new(2026, 3, 10);
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly string Layer = "sha256:" + new string('a', 64);

    /// <summary>Every kind of rule and selector option, with live, expired, rule-limited, id, alias, purl and image exceptions.</summary>
    private const string Varied = """
        name: varied
        rules:
          - id: critical-fixable
            action: block
            vulnerabilities:
              min-severity: critical
              fixed-only: true
          - id: high-listed
            action: warn
            vulnerabilities:
              severities: [high]
              packages: ["lib*"]
          - id: kev
            action: block
            vulnerabilities:
              kev-only: true
          - id: cvss
            action: warn
            vulnerabilities:
              min-cvss: 7.5
          - id: any-vuln
            action: warn
            vulnerabilities: {}
          - id: secrets
            action: block
            secrets:
              min-severity: high
              rules: ["aws-*", "private-key"]
          - id: malware
            action: block
            malware: {}
          - id: config
            action: warn
            config:
              min-severity: medium
              checks: ["CIS-DI-*"]
          - id: trust
            action: block
            trust:
              untrusted: true
              signature-status: [missing]
        exceptions:
          - id: CVE-2026-0003
            reason: accepted for now
            expires: 2026-12-31
          - id: DSA-0004
            rules: [any-vuln]
            reason: by alias, one rule only
          - package: "pkg:deb/debian/lib0*"
            rules: [cvss]
            reason: by purl
          - image: "registry.example/team1/*"
            rules: [secrets, trust]
            reason: team 1 is a sandbox
          - id: CVE-2026-0001
            reason: expired, no longer applies
            expires: 2026-01-01
          - id: aws-access-key-id
            package: "app/.env"
            rules: [secrets]
            reason: a test key
        """;

    protected abstract Task<ScanStore> NewStoreAsync();

    [Fact]
    public async Task The_preview_answers_as_judging_the_whole_stored_reports()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await NewStoreAsync();
        for (var i = 0; i < 12; i++)
        {
            // An older scan of each image first: the preview judges the newest only.
            await store.RecordAsync(Report(i, At, older: true), ct);
            await store.RecordAsync(Report(i, At.AddHours(1), older: false), ct);
        }

        var parsed = PolicyLoader.Parse(Varied);
        Assert.Empty(parsed.Errors);
        var policy = parsed.Policy!;

        var preview = await PolicyPreview.JudgeAsync(store, policy, Today, 500, ct);

        // Expected: the evaluator on each image's whole stored report, as the preview did before.
        var evaluator = new PolicyEvaluator(policy, Today);
        var expected = policy.Rules.ToDictionary(r => r.Id, _ => new List<PreviewHit>(), StringComparer.Ordinal);
        var latest = await store.LatestPerImageAsync(ct);
        foreach (var image in latest)
        {
            var report = await store.GetAsync(image.Id, ct);
            foreach (var fired in evaluator.Evaluate(report!).Fired)
            {
                expected[fired.RuleId].Add(new PreviewHit(image.Reference, image.Digest, fired.Matches.Count));
            }
        }

        Assert.Equal(12, preview.Images);
        Assert.All(policy.Rules, r => Assert.Equal(expected[r.Id], preview.ByRule[r.Id]));

        // The data exercises every rule, and the exceptions change answers (so the comparison means something).
        Assert.All(policy.Rules, r => Assert.NotEmpty(expected[r.Id]));
        Assert.DoesNotContain(expected["secrets"], h => h.Reference.Contains("team1/", StringComparison.Ordinal));
        Assert.Contains(expected["secrets"], h => h.Reference.Contains("team0/", StringComparison.Ordinal));
        Assert.Contains(expected["trust"], h => h.Reference.Contains("team0/", StringComparison.Ordinal));
        Assert.DoesNotContain(expected["trust"], h => h.Reference.Contains("team1/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Repeats_of_stored_scans_are_judged_as_the_scans_they_repeat()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await NewStoreAsync();
        for (var i = 0; i < 12; i++)
        {
            await store.RecordAsync(Report(i, At, older: false), ct);
        }

        // A re-check that found what each scan holds is recorded as a repeat: no document of its own.
        var originals = await store.LatestPerImageAsync(ct);
        await store.RecordRechecksAsync(
            [.. originals.Select(o => Recheck.Same(new ScanRepeat(o.Id, o.Digest, At.AddHours(2), "db-2", "rescan")))], ct);
        var repeats = await store.LatestPerImageAsync(ct);
        Assert.Equal(12, repeats.Count);
        Assert.DoesNotContain(repeats, r => originals.Any(o => o.Id == r.Id));

        var policy = PolicyLoader.Parse(Varied).Policy!;
        var evaluator = new PolicyEvaluator(policy, Today);
        var judged = await store.ReadForJudgingAsync(repeats, PolicyPreview.PartsOf(policy, Today), ct);
        Assert.Equal(12, judged.Count);
        foreach (var (scan, lean) in judged)
        {
            var whole = await store.GetAsync(scan.Id, ct);
            Assert.Equal(
                evaluator.Evaluate(whole!).Fired.Select(f => (f.RuleId, string.Join("|", f.Matches))),
                evaluator.Evaluate(lean).Fired.Select(f => (f.RuleId, string.Join("|", f.Matches))));
        }

        Assert.Contains(judged, j => j.Report.Secrets.Count > 0);
        Assert.Contains(judged, j => j.Report.Trust is not null);
    }

    [Fact]
    public async Task A_vulnerability_only_policy_is_judged_without_reading_report_documents()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var store = await NewStoreAsync();
        for (var i = 0; i < 6; i++)
        {
            await store.RecordAsync(Report(i, At, older: false), ct);
        }

        var policy = PolicyLoader.Parse("""
            name: vulns
            rules:
              - id: high
                action: block
                vulnerabilities:
                  min-severity: high
            exceptions:
              - id: CVE-2026-0002
                reason: accepted
            """).Policy!;

        var parts = PolicyPreview.PartsOf(policy, Today);
        Assert.Equal(new JudgedParts(false, false, false, false, false), parts);
        var judged = await store.ReadForJudgingAsync(await store.LatestPerImageAsync(ct), parts, ct);
        var evaluator = new PolicyEvaluator(policy, Today);
        Assert.Equal(6, judged.Count);
        foreach (var (scan, lean) in judged)
        {
            var whole = await store.GetAsync(scan.Id, ct);

            // Only images 5 (findings kept in its report) and 7 (no finding set) needed their documents read.
            var documentRead = scan.Reference.Contains("/app5:", StringComparison.Ordinal) || scan.Reference.Contains("/app7:", StringComparison.Ordinal);
            Assert.Equal(documentRead, lean.Image.ManifestDigest is not null);
            Assert.Equal(JsonSerializer.Serialize(whole!.Vulnerabilities), JsonSerializer.Serialize(lean.Vulnerabilities));
            Assert.Equal(
                evaluator.Evaluate(whole).Fired.Select(f => (f.RuleId, string.Join("|", f.Matches))),
                evaluator.Evaluate(lean).Fired.Select(f => (f.RuleId, string.Join("|", f.Matches))));
        }
    }

    /// <summary>
    /// Image <paramref name="i"/> of team i % 3: findings of every severity, with and without a fix, KEV, CVSS, aliases and
    /// purls; secrets, malware, misconfigurations and trust on some images; image 5 keeps its findings in its report
    /// document (one names a package its inventory lacks, as scans of older versions did), image 7 has none at all.
    /// </summary>
    private static ScanReport Report(int i, DateTimeOffset at, bool older)
    {
        var packages = Enumerable.Range(0, 6).Select(k => new Package
        {
            Name = k % 2 == 0 ? $"lib{k}" : $"tool{k}", Version = $"1.{k}", Type = PackageTypes.Deb, Purl = $"pkg:deb/debian/{(k % 2 == 0 ? "lib" : "tool")}{k}@1.{k}",
            LayerDiffId = Layer, Path = "var/lib/dpkg/status",
        }).ToList();
        var severities = new[] { Severity.Critical, Severity.High, Severity.Medium, Severity.Low, Severity.Unknown };
        var vulns = i == 7 ? [] : Enumerable.Range(0, 5 + (i % 4)).Select(k =>
        {
            var p = packages[(i + k) % packages.Count];
            var n = (i * 3 + k) % 9;
            return new VulnerabilityFinding
            {
                Id = $"CVE-2026-{n:D4}", Aliases = [$"DSA-{n:D4}"], PackageName = p.Name, PackageType = p.Type, InstalledVersion = p.Version, PackagePurl = p.Purl,
                Severity = severities[(i + k * 2) % severities.Length], FixedVersions = (i + k) % 3 == 0 ? [] : ["2.0"], Status = (i + k) % 7 == 0 ? "fixed" : "affected",
                KnownExploited = (i + k) % 5 == 0, Cvss = (i + k) % 2 == 0 ? [new CvssScore { Source = "nvd", Version = "3.1", Vector = "AV:N", BaseScore = 5 + (k % 5) }] : [],
                LayerDiffId = Layer, Path = "var/lib/dpkg/status", Description = older ? "as first found" : "a finding",
            };
        }).DistinctBy(v => (v.Id, v.PackageName)).OrderBy(v => v.PackageName, StringComparer.Ordinal).ThenBy(v => v.InstalledVersion, StringComparer.Ordinal)
            .ThenBy(v => v.Path, StringComparer.Ordinal).ThenByDescending(v => v.Severity).ThenBy(v => v.Id, StringComparer.Ordinal).ToList();
        if (i == 5)
        {
            vulns.Add(new VulnerabilityFinding
            {
                Id = "CVE-2026-0100", PackageName = "vendored", PackageType = PackageTypes.Deb, InstalledVersion = "0.1", Severity = Severity.Critical, FixedVersions = ["0.2"],
                KnownExploited = true, LayerDiffId = Layer, Path = "opt/vendored",
            });
        }

        return new ScanReport
        {
            CreatedAt = at,
            ToolVersion = "test",
            Image = new ImageMetadata
            {
                Reference = $"registry.example/team{i % 3}/app{i}:{(older ? "1" : "2")}", Registry = "registry.example", Repository = $"team{i % 3}/app{i}", Tag = older ? "1" : "2",
                ManifestDigest = "sha256:" + i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0'), ConfigDigest = "sha256:" + new string('c', 64),
                Platform = new ImagePlatform("linux", "amd64"), Config = new ImageConfig(),
                Layers = [new LayerDescriptor { Index = 0, Digest = Layer, DiffId = Layer, MediaType = "application/vnd.oci.image.layer.v1.tar+gzip", CreatedBy = "ADD rootfs /" }],
                SourceKind = "registry",
            },
            PackageSets = i == 7 ? [] : [new PackageSet { FilePath = "var/lib/dpkg/status", Kind = "dpkg", Packages = packages }],
            Vulnerabilities = vulns,
            Secrets = i % 3 == 2 ? [] :
            [
                new SecretFinding { RuleId = "aws-access-key-id", Title = "AWS key", Path = i % 2 == 0 ? "app/.env" : "etc/app.conf", Line = 3, Masked = "AKIA****", Severity = Severity.Critical },
                new SecretFinding { RuleId = "private-key", Title = "Private key", Path = "root/.ssh/id_rsa", Masked = "-----BEGIN****", Severity = i % 2 == 0 ? Severity.High : Severity.Medium, DeletedInLaterLayer = true },
                new SecretFinding { RuleId = "generic-token", Title = "Token", Path = "srv/token", Masked = "****", Severity = Severity.Critical },
            ],
            Malware = i % 4 == 1 ? [new MalwareFinding { Path = "usr/bin/miner", Engines = ["yara"], Signatures = ["coinminer"], Category = "miner", Sha256 = new string('b', 64), Severity = Severity.High }] : [],
            Misconfigurations = i % 3 == 0 ?
            [
                new ConfigFinding { CheckId = "CIS-DI-0001", Title = "Runs as root", Message = "user is root", Location = "config.User", Severity = Severity.Medium },
                new ConfigFinding { CheckId = "CIS-DI-0006", Title = "No healthcheck", Message = "none", Location = "config", Severity = Severity.Low },
                new ConfigFinding { CheckId = "DKL-LI-0003", Title = "Other", Message = "other", Location = "config", Severity = Severity.High },
            ] : [],
            Trust = (i % 4) switch
            {
                0 => new TrustResult { Trusted = false, Reasons = ["registry not allowed"], SignatureStatus = "missing" },
                1 => new TrustResult { Trusted = true, Reasons = [], SignatureStatus = "missing" },
                2 => new TrustResult { Trusted = true, Reasons = [], SignatureStatus = "valid" },
                _ => null,
            },
            Policy = new PolicyVerdict { Decision = "pass" },
            Trigger = "test",
        };
    }
}

public sealed class SqlitePolicyPreviewTests : PolicyPreviewContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-preview-").FullName;

    protected override Task<ScanStore> NewStoreAsync() =>
        ScanStore.OpenAsync(Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db"), TestContext.Current.CancellationToken);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class PostgresPolicyPreviewTests(PostgresServer server) : PolicyPreviewContract, IClassFixture<PostgresServer>
{
    protected override Task<ScanStore> NewStoreAsync() => ScanStore.OpenAsync(server.NewDatabaseUrl(), TestContext.Current.CancellationToken);
}

/// <summary>The editor checks a policy's live exceptions against the new text in one parse; the answer is the one-by-one answer.</summary>
public sealed class PolicyExceptionCheckTests
{
    private const string Yaml = """
        name: p
        rules:
          - id: a
            action: block
            vulnerabilities: {}
          - id: b
            action: warn
            secrets: {}
        """;

    [Fact]
    public void Checking_exceptions_together_answers_as_checking_each()
    {
        List<(Comb.Server.Policies.ExceptionFields, string)> fine =
        [
            (new("CVE-2026-0001", null, null, ["a"], new DateOnly(2026, 12, 31), "accepted"), "exception 1"),
            (new(null, "openssl", null, null, null, "vendor fix pending"), "exception 2"),
            (new(null, null, "registry.example/*", ["a", "b"], null, "sandbox"), "exception 3"),
        ];
        List<(Comb.Server.Policies.ExceptionFields, string)> mixed =
        [
            fine[0],
            (new("CVE-2026-0002", null, null, ["gone"], null, "names a rule the text no longer has"), "exception 4"),
            fine[1],
            (new("CVE-2026-0003", null, null, ["b", "also-gone"], null, "another"), "exception 5"),
        ];

        string[] OneByOne(List<(Comb.Server.Policies.ExceptionFields Fields, string Label)> all) =>
            [.. all.SelectMany(e => Comb.Server.Policies.PolicyCatalog.CheckException(Yaml, e.Fields, e.Label))];

        Assert.Empty(OneByOne(fine));
        Assert.Empty(Comb.Server.Policies.PolicyCatalog.CheckExceptions(Yaml, fine));
        var expected = OneByOne(mixed);
        Assert.Equal(2, expected.Length);
        Assert.Equal(expected, Comb.Server.Policies.PolicyCatalog.CheckExceptions(Yaml, mixed));
    }
}
