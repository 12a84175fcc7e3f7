using Xunit;

namespace Comb.Testing;

/// <summary>Finds the shared data folder (../shared/data beside the repository) for accuracy tests.</summary>
public static class SharedData
{
    private static readonly Lazy<string?> Root = new(Locate);

    /// <summary>The shared data root, or null when it is not beside this checkout.</summary>
    public static string? RootOrNull => Root.Value;

    /// <summary>The shared data root; skips the calling test with a clear message when it is absent.</summary>
    public static string RequireRoot()
    {
        var root = Root.Value;
        Assert.SkipWhen(root is null,
            "Shared test data not found: expected ../shared/data beside the repository (or COMB_SHARED_DATA). Accuracy tests skip without it.");
        return root!;
    }

    /// <summary>A path under the shared data root; skips the test when the root is absent.</summary>
    public static string Require(params string[] parts)
    {
        var path = Path.Combine([RequireRoot(), .. parts]);
        Assert.SkipWhen(!File.Exists(path) && !Directory.Exists(path), $"Shared test data missing: {path}");
        return path;
    }

    private static string? Locate()
    {
        var env = Environment.GetEnvironmentVariable("COMB_SHARED_DATA");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return Path.GetFullPath(env);
        }

        var repo = RepoRoot.Find();
        if (repo is null)
        {
            return null;
        }

        var candidate = Path.GetFullPath(Path.Combine(repo, "..", "shared", "data"));
        return Directory.Exists(candidate) ? candidate : null;
    }
}

/// <summary>Finds the repository root (the folder with Comb.slnx) from the test's base directory.</summary>
public static class RepoRoot
{
    public static string? Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Comb.slnx")))
            {
                return dir.FullName;
            }

            dir = dir.Parent;
        }

        return null;
    }

    public static string Require() =>
        Find() ?? throw new InvalidOperationException("Repository root (Comb.slnx) not found above " + AppContext.BaseDirectory);
}
