using System.CommandLine;
using Comb.Contracts;
using Comb.Engine.Cache;

namespace Comb.Cli.Commands;

/// <summary>comb cache info|clean.</summary>
internal static class CacheCommands
{
    public static Command Build()
    {
        var cache = new Command("cache", "Inspect or clear the layer cache");
        var dir = new Option<string?>("--cache-dir") { Description = "Cache directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        var info = new Command("info", "Show the cache location, entry count and size") { dir };
        info.SetAction(async (parse, _) =>
        {
            var result = new LayerCache(parse.GetValue(dir) ?? LayerCache.DefaultRoot()).Info();
            await parse.InvocationConfiguration.Output.WriteLineAsync($"cache: {result.Root}\nlayer entries: {result.Entries}\nsize: {InspectView.Bytes(result.Bytes)}");
            return ExitCodes.Success;
        });
        var clean = new Command("clean", "Remove cached layer results (the advisory database is kept)") { dir };
        clean.SetAction(async (parse, _) =>
        {
            var removed = new LayerCache(parse.GetValue(dir) ?? LayerCache.DefaultRoot()).Clean();
            await parse.InvocationConfiguration.Output.WriteLineAsync($"removed {removed} layer entries");
            return ExitCodes.Success;
        });
        cache.Subcommands.Add(info);
        cache.Subcommands.Add(clean);
        return cache;
    }
}
