using System.Text;
using Comb.Contracts;
using Comb.Secrets.Config;
using Comb.Secrets.Engine;
using Comb.Testing;

namespace Comb.Secrets.Tests;

public sealed class FileAnalyzerTests
{
    private static SecretFileAnalyzer Analyzer(SecretConfig? config = null) =>
        new(SecretEngineFactory.CreateScanner(config), SecretEngineFactory.Fingerprint(config));

    private static async Task<List<SecretFinding>> RunAsync(AnalyzerTester tester) =>
        [.. (await tester.RunAsync(TestContext.Current.CancellationToken)).SelectMany(r => r.Secrets)];

    [Fact]
    public async Task Key_files_in_package_trees_are_test_fixtures_unless_default_allow_paths_are_off()
    {
        const string key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";
        AnalyzerTester Tester(SecretConfig? config) => AnalyzerTester.For(Analyzer(config))
            .WithFile("usr/local/lib/python3.11/site-packages/moto/moto_proxy/ca.key", key)
            .WithFile("root/.pyenv/versions/3.11.7/lib/python3.11/test/certdata/keycert.pem", key)
            .WithFile("srv/app/tls/server.key", key);

        var byDefault = await RunAsync(Tester(null));
        var everything = await RunAsync(Tester(new SecretConfig { UseDefaultAllowPaths = false }));

        Assert.Equal(["srv/app/tls/server.key"], byDefault.Select(f => f.Path).Distinct());
        Assert.Equal(3, everything.Select(f => f.Path).Distinct().Count());
    }

    [Fact]
    public async Task Reports_sensitive_files_by_name_and_content()
    {
        var sqlite = Encoding.ASCII.GetBytes("SQLite format 3\0").Concat(new byte[100]).ToArray();
        var tester = AnalyzerTester.For(Analyzer())
            .WithFile("root/.ssh/id_ed25519", "not really a key but the name says it is")
            .WithFile("home/app/.npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n_auth=dXNlcjpwYXNz\n")
            .WithFile("home/app/.pgpass", "db:5432:app:app:pw\n")
            .WithFile("srv/certs/client.p12", new byte[] { 0x30, 0x82, 0x01, 0x00 })
            .WithFile("srv/data/app.sqlite", sqlite)
            .WithFile("srv/app/.git/HEAD", "ref: refs/heads/main\n")
            .WithFile("root/.bash_history", "ls\ncd /srv\n")
            .WithFile("srv/app/.env", "DB_HOST=db\nDB_PASSWORD=changeme\n")
            .WithFile("srv/app/.env.example", "DB_PASSWORD=\n")
            .WithFile("root/.docker/config.json", "{\"auths\":{\"registry.example\":{\"auth\":\"dXNlcjpwYXNzd29yZA==\"}}}")
            .WithFile("root/.kube/config", "users:\n- name: admin\n  user:\n    token: abcdef0123456789\n")
            .WithFile("etc/app/config.yml.bak", "x: 1\n")
            .WithFile("srv/app/.env.bak", "A=1\n");

        var rules = (await RunAsync(tester)).Select(f => (f.Path, f.RuleId)).ToHashSet();

        Assert.Contains(("root/.ssh/id_ed25519", "ssh-private-key-file"), rules);
        Assert.Contains(("home/app/.npmrc", "npmrc-auth"), rules);
        Assert.Contains(("home/app/.pgpass", "pgpass-file"), rules);
        Assert.Contains(("srv/certs/client.p12", "keystore-file"), rules);
        Assert.Contains(("srv/data/app.sqlite", "sqlite-database"), rules);
        Assert.Contains(("srv/app/.git/HEAD", "git-directory"), rules);
        Assert.Contains(("root/.bash_history", "shell-history"), rules);
        Assert.Contains(("srv/app/.env", "dotenv-file"), rules);
        Assert.Contains(("root/.docker/config.json", "docker-config-auth"), rules);
        Assert.Contains(("root/.kube/config", "kubeconfig-credentials"), rules);
        Assert.Contains(("srv/app/.env.bak", "backup-of-sensitive-file"), rules);
        Assert.DoesNotContain(rules, r => r.Path == "srv/app/.env.example");
        Assert.DoesNotContain(rules, r => r.Path == "etc/app/config.yml.bak");
    }

    [Fact]
    public async Task Content_findings_carry_layer_and_line()
    {
        const string layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
        var tester = AnalyzerTester.For(Analyzer()).InLayer(layer)
            .WithFile("app/deploy.sh", "#!/bin/sh\n\nexport GITLAB_TOKEN=glpat-Zx9Qw8Er7Ty6Ui5Op4As\n");

        var finding = Assert.Single(await RunAsync(tester));

        Assert.Equal("gitlab-pat", finding.RuleId);
        Assert.Equal(layer, finding.LayerDiffId);
        Assert.Equal(3, finding.Line);
        Assert.Equal("glpa" + new string('*', 18) + "p4As", finding.Masked);
    }

    [Fact]
    public async Task Files_over_the_size_cap_and_disabled_rules_are_not_reported()
    {
        var config = SecretConfigLoader.Parse("max-file-size: 64\ndisable-rules: [shell-history]\n");
        var tester = AnalyzerTester.For(Analyzer(config))
            .WithFile("app/big.txt", new string('#', 100) + "\ntoken=ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lm9Nb8V\n")
            .WithFile("root/.bash_history", "cat /etc/passwd\n");

        Assert.Empty(await RunAsync(tester));
    }

    [Fact]
    public void Cache_key_follows_the_effective_config()
    {
        var plain = Analyzer();
        var tuned = Analyzer(SecretConfigLoader.Parse("severity:\n  generic-secret: low\n"));

        Assert.StartsWith($"secret@{plain.Version}+", plain.CacheKey, StringComparison.Ordinal);
        Assert.NotEqual(plain.CacheKey, tuned.CacheKey);
        Assert.Equal(plain.CacheKey, Analyzer().CacheKey);
    }
}
