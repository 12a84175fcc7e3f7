namespace Comb.Contracts;

/// <summary>Where Comb keeps its layer cache, advisory database and default history when no directory is named.</summary>
public static class CacheDirectory
{
    /// <summary>$COMB_CACHE_DIR, else $XDG_CACHE_HOME/comb, else ~/.cache/comb.</summary>
    public static string Default()
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
