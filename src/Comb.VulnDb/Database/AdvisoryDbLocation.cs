using Comb.Contracts;

namespace Comb.VulnDb.Database;

/// <summary>Where the compiled advisory database lives: --db-path, else &lt;cache-dir&gt;/db/comb.db.</summary>
public static class AdvisoryDbLocation
{
    public const string FileName = "comb.db";

    public static string Resolve(string? dbPath, string? cacheDir) =>
        dbPath is { Length: > 0 } ? Path.GetFullPath(dbPath) : Path.Combine(cacheDir is { Length: > 0 } ? Path.GetFullPath(cacheDir) : DefaultCacheDir(), "db", FileName);

    public static string Resolve(ScanOptions options) => Resolve(options.DbPath, options.CacheDir);

    /// <summary>$COMB_CACHE_DIR, else $XDG_CACHE_HOME/comb, else ~/.cache/comb (the layer cache's root too).</summary>
    public static string DefaultCacheDir()
    {
        if (Environment.GetEnvironmentVariable("COMB_CACHE_DIR") is { Length: > 0 } comb)
        {
            return comb;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = xdg is { Length: > 0 } ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "comb");
    }
}
