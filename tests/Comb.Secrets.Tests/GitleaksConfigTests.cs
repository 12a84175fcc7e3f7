using Comb.Contracts;
using Comb.Secrets.Config;
using Comb.Secrets.Engine;

namespace Comb.Secrets.Tests;

public sealed class GitleaksConfigTests
{
    private const string Config = """
        title = "team rules"

        [allowlist]
        description = "global"
        paths = ['''(?:^|/)fixtures/''']
        stopwords = ["notreal"]

        [[rules]]
        id = "acme-token"
        description = "ACME token"
        regex = '''(?i)acme[_-]?(?:token|key)\s*[:=]\s*["']?(?P<tok>[[:alnum:]]{24})["']?'''
        entropy = 3
        keywords = ["ACME"]
        [[rules.allowlists]]
        regexTarget = "line"
        regexes = ['''#\s*sample''']
        [[rules.allowlists]]
        condition = "AND"
        paths = ['''\.md$''']
        regexes = ['''^Zz''']

        [[rules]]
        id = "second-group"
        description = "secret in group two"
        regex = '''(team|crew)_secret=([a-z0-9]{16})'''
        secretGroup = 2
        keywords = ["_secret="]

        [[rules]]
        id = "keystore-file"
        description = "Java keystore"
        path = '''(?i)\.jks$'''
        """;

    private static IReadOnlyList<SecretFinding> Scan(SecretConfig config, string path, string text)
    {
        var scanner = SecretEngineFactory.CreateScanner(config);
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        return scanner.Scan(new FileMeta { Path = path, Kind = FileKind.Regular, Size = bytes.Length }, bytes, null);
    }

    [Fact]
    public void Rules_keep_gitleaks_semantics()
    {
        var config = GitleaksConfigReader.Parse(Config, "team.toml");
        Assert.False(config.UseBuiltinRules);
        Assert.Equal(["acme-token", "second-group"], config.Rules.Select(r => r.Id));
        Assert.Equal("keystore-file", Assert.Single(config.FileRules).Id);

        var found = Assert.Single(Scan(config, "app/settings.env", "ACME_TOKEN=Q8zt3Lk0Pw7Nv2Xr5Yb9Hc4J"));
        Assert.Equal(("acme-token", Severity.High), (found.RuleId, found.Severity));

        // secretGroup = 2: the value, not the team name, is the secret.
        var second = Assert.Single(Scan(config, "app/a.txt", "team_secret=k2jd8zq0lm4xv7tb"));
        Assert.Equal("second-group", second.RuleId);
        Assert.StartsWith("k2", second.Masked, StringComparison.Ordinal);

        // Built-in rules are off: a GitHub token is not reported by a config that has no rule for it.
        Assert.Empty(Scan(config, "app/a.txt", "token = ghp_q8Zt3Lk0Pw7Nv2Xr5Yb9Hc4Jd6Gf1SaR2mT"));
        Assert.Equal("keystore-file", Assert.Single(Scan(config, "srv/keys/server.JKS", "")).RuleId);
    }

    [Fact]
    public void Allow_lists_apply_by_target_condition_and_scope()
    {
        var config = GitleaksConfigReader.Parse(Config, "team.toml");
        const string line = "acme_key = 'Zz8t3Lk0Pw7Nv2Xr5Yb9Hc4J'";

        Assert.Empty(Scan(config, "app/a.txt", line + " # sample"));         // line target
        Assert.Empty(Scan(config, "app/fixtures/a.txt", line));              // global path
        Assert.Empty(Scan(config, "app/a.txt", "acme_key = 'notrealk0Pw7Nv2Xr5Yb9Hc4J'")); // global stopword
        Assert.Empty(Scan(config, "docs/readme.md", line));                  // AND: path and secret both match
        Assert.NotEmpty(Scan(config, "app/a.txt", line));                    // AND: secret alone is not enough
        Assert.NotEmpty(Scan(config, "docs/readme.md", "acme_key = 'Q8zt3Lk0Pw7Nv2Xr5Yb9Hc4J'")); // AND: path alone neither
    }

    [Fact]
    public void Extending_the_defaults_keeps_built_ins_and_replaces_same_ids()
    {
        const string toml = """
            [extend]
            useDefault = true
            disabledRules = ["jwt"]

            [[rules]]
            id = "github-pat"
            description = "stricter GitHub PAT"
            regex = '''ghp_[A-Za-z0-9]{36}-strict'''
            keywords = ["ghp_"]
            """;
        var config = GitleaksConfigReader.Parse(toml, "extend.toml");
        Assert.True(config.UseBuiltinRules);
        Assert.Contains("jwt", config.DisabledRules);
        Assert.Contains("github-pat", config.DisabledRules);

        Assert.NotEmpty(Scan(config, "app/a.txt", "aws_key = \"AKIAZ4XQ7LM3NB2VW5RT\""));
        Assert.DoesNotContain(Scan(config, "app/a.txt", "token = ghp_q8Zt3Lk0Pw7Nv2Xr5Yb9Hc4Jd6Gf1SaR2mT"), f => f.RuleId == "github-pat");
    }

    [Theory]
    [InlineData("[[rules]]\nid = \"x\"\nregex = '''(unclosed'''\n", "rule 'x': invalid regex")]
    [InlineData("[[rules]]\ndescription = \"no id\"\nregex = '''abc'''\n", "rule 1 has no 'id'")]
    [InlineData("[[rules]]\nid = \"x\"\n", "has neither 'regex' nor 'path'")]
    [InlineData("[[rules]]\nid = \"x\"\nregex = '''a'''\n[[rules.allowlists]]\nregexTarget = \"file\"\nregexes = ['''b''']\n", "regexTarget 'file'")]
    [InlineData("[[rules]\nid = \"x\"\n", "bad.toml:1: invalid TOML")]
    public void Mistakes_are_reported_with_the_file_and_the_rule(string toml, string expected)
    {
        var ex = Assert.Throws<CombInputException>(() => GitleaksConfigReader.Parse(toml, "bad.toml"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_toml_secret_config_file_is_read_as_a_gitleaks_config()
    {
        var path = Path.Combine(Path.GetTempPath(), $"comb-gitleaks-{Guid.NewGuid():N}.toml");
        File.WriteAllText(path, Config);
        try
        {
            Assert.Equal(2, SecretConfigLoader.LoadFile(path).Rules.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
