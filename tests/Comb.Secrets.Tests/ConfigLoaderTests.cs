using Comb.Contracts;
using Comb.Secrets.Config;
using Comb.Secrets.Engine;

namespace Comb.Secrets.Tests;

public sealed class ConfigLoaderTests
{
    private const string Sample = """
        max-file-size: 2MB
        disable-rules: [jwt]
        severity:
          generic-secret: low
        allow:
          paths: ['^srv/fixtures/']
          values: [glpat-AAAABBBBCCCCDDDDEEEE]
        rules:
          - id: acme-api-key
            title: ACME API key
            severity: critical
            keywords: [acme_]
            regex: '\bacme_(?<secret>[a-z0-9]{24})\b'
            entropy: 3
        sensitive-files:
          rules:
            - id: acme-license
              path: '(?:^|/)acme\.lic$'
        """;

    [Fact]
    public void Custom_rules_overrides_and_allow_lists_take_effect()
    {
        var config = SecretConfigLoader.Parse(Sample);
        var scanner = SecretEngineFactory.CreateScanner(config);

        var custom = Assert.Single(scanner.Detector.ScanText("app/x.txt", "key acme_q8zt3lk0pw7nv2xr5yb9hc4j here"));
        Assert.Equal(("acme-api-key", Severity.Critical), (custom.RuleId, custom.Severity));
        Assert.Empty(scanner.Detector.ScanText("app/x.txt", "t: eyJhbGciOiJIUzI1NiJ9xyzAB.eyJzdWIiOiIxMjM0NTY3ODkwIn0ab.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"));
        Assert.Empty(scanner.Detector.ScanText("app/x.txt", "GITLAB=glpat-AAAABBBBCCCCDDDDEEEE"));
        Assert.True(scanner.Detector.IsPathAllowed("srv/fixtures/a.txt"));
        Assert.Equal(2L * 1024 * 1024, scanner.MaxFileBytes);
        Assert.Equal(Severity.Low, Assert.Single(scanner.Detector.ScanText("a.txt", "client_secret = \"q8Zt3Lk0Pw7Nv2Xr5Yb9Hc4Jd6Gf1Sa\"")).Severity);
        Assert.True(scanner.IsRequired(new FileMeta { Path = "opt/acme.lic", Kind = FileKind.Regular, Size = 0 }));
    }

    [Theory]
    [InlineData("rules:\n  - id: bad\n    regex: '(unclosed'\n", 3, "invalid regex")]
    [InlineData("allow:\n  paths: [ok]\nunknown-key: 1\n", 3, "unknown key")]
    [InlineData("disable-rules:\n  - github-pat\n  - no-such-rule\n", 3, "unknown rule id")]
    [InlineData("severity:\n  github-pat: severe\n", 2, "unknown severity")]
    [InlineData("rules:\n  - id: Not_Kebab\n    regex: x\n", 2, "kebab-case")]
    [InlineData("rules: [\n", 2, "invalid YAML")]
    public void Errors_name_the_line(string yaml, int line, string message)
    {
        var error = Assert.Throws<CombInputException>(() => SecretConfigLoader.Parse(yaml, "cfg.yaml"));
        Assert.Contains($"cfg.yaml:{line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_an_input_error() =>
        Assert.Throws<CombInputException>(() => SecretConfigLoader.LoadFile(Path.Combine(Path.GetTempPath(), "no-such-secret-config.yaml")));
}
