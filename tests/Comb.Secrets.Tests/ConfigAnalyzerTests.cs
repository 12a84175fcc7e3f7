using Comb.Contracts;
using Comb.Secrets.Engine;

namespace Comb.Secrets.Tests;

public sealed class ConfigAnalyzerTests
{
    private static ImageMetadata Image(IReadOnlyList<string> env, IReadOnlyDictionary<string, string> labels, params string[] history) => new()
    {
        Reference = "test:latest",
        ConfigDigest = "sha256:" + new string('a', 64),
        Platform = new ImagePlatform("linux", "amd64"),
        SourceKind = "oci-layout",
        Layers = [],
        Config = new ImageConfig
        {
            Config = new ContainerConfig { Env = env, Labels = labels },
            History = [.. history.Select(h => new HistoryEntry { CreatedBy = h })],
        },
    };

    [Fact]
    public async Task Finds_secrets_in_env_labels_and_history()
    {
        var analyzer = new SecretConfigAnalyzer(SecretEngineFactory.CreateScanner(null));
        var image = Image(
            ["PATH=/usr/bin", "DB_PASSWORD=hunter2hunter2", "API_TOKEN=${TOKEN}", "PASSWORD_FILE=/run/secrets/db"],
            new Dictionary<string, string> { ["maintainer"] = "dev@example.com", ["deploy.key"] = "AKIAZ4XQ7LM3NB2VW5RT" },
            "/bin/sh -c #(nop) ADD file:abc in /",
            "|1 NPM_TOKEN=npm_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lm9Nb8 /bin/sh -c npm ci",
            "RUN /bin/sh -c curl -H \"Authorization: Bearer ghp_Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lm9Nb8\" https://api.github.com",
            "/bin/sh -c #(nop)  ENV ADMIN_SECRET=s3cr3tValue!");

        var secrets = (await analyzer.AnalyzeAsync(image, TestContext.Current.CancellationToken)).Secrets;
        var found = secrets.Select(s => (s.Path, s.RuleId)).ToHashSet();

        Assert.Contains(("ENV", "secret-variable"), found);
        Assert.Contains(("LABEL", "aws-access-key-id"), found);
        Assert.Contains(("history[1]", "npm-access-token"), found);
        Assert.Contains(("history[2]", "github-pat"), found);
        Assert.Contains(("history[3]", "secret-variable"), found);
        Assert.Contains(("history[2]", "curl-auth-header"), found);
        Assert.Equal(6, secrets.Count);
        Assert.All(secrets, s => Assert.DoesNotContain("hunter2hunter2", s.Snippet ?? "", StringComparison.Ordinal));
        Assert.All(secrets, s => Assert.DoesNotContain("Zx9Qw8Er7Ty6", s.Masked + s.Snippet, StringComparison.Ordinal));
    }
}
