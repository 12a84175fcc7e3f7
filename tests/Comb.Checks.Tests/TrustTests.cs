using Comb.Checks.Trust;
using Comb.Checks.Trust.Signing;
using Comb.Contracts;
using static Comb.Checks.Tests.TestImages;

namespace Comb.Checks.Tests;

public sealed class TrustTests
{
    private static readonly string KeyDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keys");

    private sealed class OneStore(ISignatureStore store) : ISignatureStoreFactory
    {
        public ISignatureStore? ForImage(ImageMetadata image, ScanOptions options) => image.SourceKind == "registry" ? store : null;
    }

    private static TrustPolicy Parse(string yaml)
    {
        var policy = TrustPolicyLoader.Parse(yaml, KeyDir, out var errors);
        Assert.Empty(errors);
        return policy;
    }

    [Fact]
    public async Task Registry_patterns_decide_trust_and_say_why()
    {
        var policy = Parse("registries: [\"registry.test/team/*\", \"docker.io/library/*\"]\n");
        var evaluator = new TrustEvaluator(new NoSignatureStores());
        var ct = TestContext.Current.CancellationToken;

        var trusted = await evaluator.EvaluateAsync(policy, Img() with { Repository = "team/app" }, new ScanOptions(), ct);
        var untrusted = await evaluator.EvaluateAsync(policy, Img() with { Repository = "team/sub/app" }, new ScanOptions(), ct);

        Assert.True(trusted.Trusted);
        Assert.Contains("registry.test/team/*", trusted.Reasons[0], StringComparison.Ordinal);
        Assert.False(untrusted.Trusted);
        Assert.Contains("matches none", untrusted.Reasons[0], StringComparison.Ordinal);
        Assert.Equal("not-checked", trusted.SignatureStatus);
    }

    [Fact]
    public async Task Base_images_match_by_manifest_digest_or_diff_id_prefix()
    {
        var policy = Parse($"""
            trust:
              base-images:
                - name: debian-12
                  diff-ids: ["{Digest(100)}", "{Digest(101)}"]
                - name: golden
                  digest: "{Digest(42)}"
            """);
        var evaluator = new TrustEvaluator(new NoSignatureStores());
        var ct = TestContext.Current.CancellationToken;

        var builtOn = await evaluator.EvaluateAsync(policy, Img(layers: 3), new ScanOptions(), ct);
        var tooShort = await evaluator.EvaluateAsync(policy, Img(layers: 1), new ScanOptions(), ct);
        var isBase = await evaluator.EvaluateAsync(policy, Img(layers: 1, manifestDigest: Digest(42)), new ScanOptions(), ct);

        Assert.True(builtOn.Trusted);
        Assert.Contains("debian-12", builtOn.Reasons[0], StringComparison.Ordinal);
        Assert.False(tooShort.Trusted);
        Assert.True(isBase.Trusted);
        Assert.Contains("golden", isBase.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signature_rule_reports_valid_missing_and_wrong_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemorySignatureStore();
        var policy = Parse("keys:\n  - name: release\n    path: ec.pub\n");
        var evaluator = new TrustEvaluator(new OneStore(store));
        var image = Img();

        var missing = await evaluator.EvaluateAsync(policy, image, new ScanOptions(), ct);
        Assert.False(missing.Trusted);
        Assert.Equal("missing", missing.SignatureStatus);

        await CosignSignatures.SignAsync(store, "registry.test/app", image.ManifestDigest!, SigningKeys.Parse(File.ReadAllText(Path.Combine(KeyDir, "ec-sec1.pem")), null), null, ct);
        var valid = await evaluator.EvaluateAsync(policy, image, new ScanOptions(), ct);
        Assert.True(valid.Trusted);
        Assert.Equal("valid", valid.SignatureStatus);
        Assert.StartsWith("release (SHA256:", valid.SignatureKey, StringComparison.Ordinal);

        var otherKey = Parse("keys:\n  - name: other\n    path: rsa.pub\n");
        var invalid = await evaluator.EvaluateAsync(otherKey, image, new ScanOptions(), ct);
        Assert.Equal("invalid", invalid.SignatureStatus);
        Assert.False(invalid.Trusted);

        var archive = await evaluator.EvaluateAsync(policy, Img(sourceKind: "docker-archive"), new ScanOptions(), ct);
        Assert.Equal("missing", archive.SignatureStatus);
        Assert.Contains("docker-archive", archive.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stage_reads_the_trust_section_of_the_main_policy()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("comb-trust-");
        try
        {
            File.Copy(Path.Combine(KeyDir, "ec.pub"), Path.Combine(dir.FullName, "release.pub"));
            var path = Path.Combine(dir.FullName, "policy.yaml");
            await File.WriteAllTextAsync(path, """
                name: with-trust
                rules:
                  - { id: untrusted, action: block, trust: {} }
                trust:
                  registries: ["registry.test/**"]
                  keys:
                    - { name: release, path: release.pub }
                """, ct);
            var context = new ScanContext(Inventory(Img()), new ScanOptions { PolicyFile = path });
            var stage = new TrustStage(new OneStore(new InMemorySignatureStore()));

            Assert.True(stage.IsEnabled(context.Options));
            await stage.RunAsync(context, ct);

            Assert.False(context.Trust!.Trusted);
            Assert.Equal(2, context.Trust.Reasons.Count);
            Assert.Equal("missing", context.Trust.SignatureStatus);
            Assert.False(stage.IsEnabled(new ScanOptions()));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Bad_trust_policies_list_problems_with_lines()
    {
        TrustPolicyLoader.Parse("registries: [a]\nbase-images:\n  - name: x\n    digest: sha256:nothex\nkeys:\n  - name: k\n    path: does-not-exist.pub\nsigners: 1\n", KeyDir, out var errors);

        Assert.Contains(errors, e => e.Line == 3 && e.Message.Contains("sha256:nothex", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 7 && e.Message.Contains("cannot read key file", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Line == 8 && e.Message.Contains("unknown key 'signers'", StringComparison.Ordinal));
    }
}
