using Comb.Contracts;
using Comb.Storage;

namespace Comb.Server;

/// <summary>The cache directory and store location a server (or `comb token`) uses, defaults filled in.</summary>
public sealed record ServerLocations(string CacheDir, string Store)
{
    public static ServerLocations Of(string? cacheDir, string? store)
    {
        var cache = Path.GetFullPath(cacheDir ?? CacheDirectory.Default());
        return new ServerLocations(cache, store ?? ScanStore.DefaultPath(cache));
    }
}
