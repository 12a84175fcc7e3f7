using Comb.Testing;

namespace Comb.Cli.Tests;

/// <summary>A cache directory with the advisory database imported once from the shared data, for end-to-end scans.</summary>
public sealed class ScanFixture : IAsyncLifetime
{
    private string? _skip;

    public string Root { get; } = Directory.CreateTempSubdirectory("comb-e2e-").FullName;

    public string CacheDir => Path.Combine(Root, "cache");

    public async ValueTask InitializeAsync()
    {
        var feeds = SharedData.RootOrNull is { } root ? Path.Combine(root, "vulndb") : null;
        if (feeds is null || !Directory.Exists(feeds))
        {
            _skip = "Shared test data not found: expected ../shared/data/vulndb beside the repository; end-to-end vulnerability scans skip.";
            return;
        }

        var (code, _, err) = await CliRunner.RunAsync("db", "import", feeds, "--cache-dir", CacheDir);
        if (code != 0)
        {
            _skip = "advisory database import failed: " + err;
        }
    }

    public void RequireDb() => Assert.SkipWhen(_skip is not null, _skip ?? "");

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
