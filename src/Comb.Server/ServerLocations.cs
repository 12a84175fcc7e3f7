using Comb.Storage;
using Comb.VulnDb.Database;

namespace Comb.Server;

/// <summary>The cache directory and store location a server (or `comb token`) uses, defaults filled in.</summary>
public sealed record ServerLocations(string CacheDir, string Store)
{
    public static ServerLocations Of(string? cacheDir, string? store)
    {
        var cache = Path.GetFullPath(cacheDir ?? AdvisoryDbLocation.DefaultCacheDir());
        return new ServerLocations(cache, store ?? ScanStore.DefaultPath(cache));
    }
}
