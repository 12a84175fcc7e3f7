using System.Text.Json;

namespace Comb.Cli.Tests;

public sealed class SkipPathsCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-cli-skip-").FullName;

    [Fact]
    public async Task Skip_files_and_skip_dirs_keep_paths_out_of_every_analyzer()
    {
        var root = Path.Combine(_dir, "rootfs");
        Directory.CreateDirectory(Path.Combine(root, "app", "fixtures"));
        await File.WriteAllTextAsync(Path.Combine(root, "app", "app.env"), "GITHUB_TOKEN=ghp_k8Zq2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQwXy7\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(root, "app", "fixtures", "test.env"), "GITHUB_TOKEN=ghp_q2Lr7Tv4Hn8Ws1Kd6Pf3Jz5Mb0aQwXy7k8Z\n", TestContext.Current.CancellationToken);

        var all = await SecretPathsAsync(root);
        var noFixtures = await SecretPathsAsync(root, "--skip-dirs", "/app/fixtures");
        var noEnvFiles = await SecretPathsAsync(root, "--skip-files", "**/*.env,other.txt");

        Assert.Equal(["app/app.env", "app/fixtures/test.env"], all);
        Assert.Equal(["app/app.env"], noFixtures);
        Assert.Empty(noEnvFiles);
    }

    private async Task<string[]> SecretPathsAsync(string root, params string[] extra)
    {
        var (code, output, error) = await CliRunner.RunAsync(["scan", "rootfs:" + root, "--scanners", "secret", "--format", "json", "--no-store", "--cache-dir", Path.Combine(_dir, "cache"), "-q", .. extra]);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        return [.. doc.RootElement.GetProperty("secrets").EnumerateArray().Select(s => s.GetProperty("path").GetString()!).Order(StringComparer.Ordinal)];
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
