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

    [Fact]
    public async Task Sbom_takes_the_same_skips()
    {
        var root = Path.Combine(_dir, "tree");
        foreach (var (dir, name) in new[] { ("app", "left-pad"), ("app/fixtures", "is-odd") })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
            await File.WriteAllTextAsync(Path.Combine(root, dir, "package-lock.json"),
                "{\"name\":\"x\",\"version\":\"1.0.0\",\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"x\",\"version\":\"1.0.0\"},\"node_modules/" + name + "\":{\"version\":\"1.0.0\"}}}",
                TestContext.Current.CancellationToken);
        }

        var all = await SbomNamesAsync(root);
        var skipped = await SbomNamesAsync(root, "--skip-dirs", "**/fixtures");

        Assert.Contains("is-odd", all);
        Assert.Contains("left-pad", skipped);
        Assert.DoesNotContain("is-odd", skipped);
    }

    private async Task<string[]> SbomNamesAsync(string root, params string[] extra)
    {
        var (code, output, error) = await CliRunner.RunAsync(["sbom", "rootfs:" + root, "--format", "json", "--cache-dir", Path.Combine(_dir, "cache"), .. extra]);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        return [.. doc.RootElement.GetProperty("packageSets").EnumerateArray()
            .SelectMany(set => set.GetProperty("packages").EnumerateArray()).Select(p => p.GetProperty("name").GetString()!)];
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
