using Comb.Contracts;

namespace Comb.VulnDb.Database;

/// <summary>Where the compiled advisory database lives: --db-path, else &lt;cache-dir&gt;/db/comb.db.</summary>
public static class AdvisoryDbLocation
{
    public const string FileName = "comb.db";

    public static string Resolve(string? dbPath, string? cacheDir) =>
        dbPath is { Length: > 0 } ? Path.GetFullPath(dbPath) : Path.Combine(cacheDir is { Length: > 0 } ? Path.GetFullPath(cacheDir) : CacheDirectory.Default(), "db", FileName);

    public static string Resolve(ScanOptions options) => Resolve(options.DbPath, options.CacheDir);
}
