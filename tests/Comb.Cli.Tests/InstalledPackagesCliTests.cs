using System.Text.Json;

namespace Comb.Cli.Tests;

/// <summary>sbom over a project with an installed node_modules: installed beats declared; dev dependencies on request.</summary>
public sealed class InstalledPackagesCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-cli-installed-").FullName;

    [Fact]
    public async Task An_installed_tree_is_reported_once_and_its_lock_files_are_locations()
    {
        var root = Path.Combine(_dir, "tree");
        var lockJson = "{\"name\":\"app\",\"version\":\"1.0.0\",\"lockfileVersion\":3,\"packages\":{"
            + "\"\":{\"name\":\"app\",\"version\":\"1.0.0\",\"dependencies\":{\"qs\":\"^6\",\"removed\":\"^1\"},\"devDependencies\":{\"jest-lite\":\"^1\"}},"
            + "\"node_modules/qs\":{\"version\":\"6.7.0\"},\"node_modules/removed\":{\"version\":\"1.0.0\"},\"node_modules/jest-lite\":{\"version\":\"1.0.0\",\"dev\":true}}}";
        await Write(root, "app/package.json", "{\"name\":\"app\",\"version\":\"1.0.0\",\"dependencies\":{\"qs\":\"^6\",\"removed\":\"^1\"},\"devDependencies\":{\"jest-lite\":\"^1\"}}");
        await Write(root, "app/package-lock.json", lockJson);
        await Write(root, "app/node_modules/.package-lock.json", lockJson);
        await Write(root, "app/node_modules/qs/package.json", "{\"name\":\"qs\",\"version\":\"6.7.0\"}");
        // "removed" is named by both lock files but is no longer in node_modules; the source tree has no node_modules.
        await Write(root, "src/package-lock.json", "{\"name\":\"s\",\"version\":\"1.0.0\",\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"s\",\"version\":\"1.0.0\",\"devDependencies\":{\"jest-lite\":\"^1\"}},"
            + "\"node_modules/left-pad\":{\"version\":\"1.3.0\"},\"node_modules/jest-lite\":{\"version\":\"1.0.0\",\"dev\":true}}}");

        var packages = await SbomAsync(root);
        var withDev = await SbomAsync(root, "--include-dev-deps");

        var qs = Assert.Single(packages, p => p.Name == "qs");
        Assert.Equal("app/node_modules/qs/package.json", qs.Path);
        Assert.Equal(["app/node_modules/.package-lock.json", "app/package-lock.json"], qs.OtherPaths);
        Assert.DoesNotContain(packages, p => p.Name == "removed");
        Assert.Contains(packages, p => p.Name == "left-pad" && p.Path == "src/package-lock.json");
        Assert.DoesNotContain(packages, p => p.Name == "jest-lite");
        Assert.Contains(withDev, p => p.Name == "jest-lite" && p.Path == "src/package-lock.json");
    }

    private static async Task Write(string root, string path, string text)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, text, TestContext.Current.CancellationToken);
    }

    private sealed record Found(string Name, string Path, string[] OtherPaths);

    private async Task<List<Found>> SbomAsync(string root, params string[] extra)
    {
        var (code, output, error) = await CliRunner.RunAsync(["sbom", "rootfs:" + root, "--format", "json", "--cache-dir", Path.Combine(_dir, "cache"), .. extra]);
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        return [.. doc.RootElement.GetProperty("packageSets").EnumerateArray()
            .SelectMany(set => set.GetProperty("packages").EnumerateArray())
            .Select(p => new Found(p.GetProperty("name").GetString()!, p.GetProperty("path").GetString()!,
                p.TryGetProperty("otherPaths", out var o) ? [.. o.EnumerateArray().Select(x => x.GetString()!)] : []))];
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
