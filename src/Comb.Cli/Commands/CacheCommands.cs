using System.CommandLine;
using Comb.Contracts;
using Comb.Engine.Cache;

namespace Comb.Cli.Commands;

/// <summary>comb cache info|clean|prune.</summary>
internal static class CacheCommands
{
    public static Command Build()
    {
        var cache = new Command("cache", "Inspect or clear the layer cache");
        var dir = new Option<string?>("--cache-dir") { Description = "Cache directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        var info = new Command("info", "Show the cache location, entry count and size") { dir };
        info.SetAction(async (parse, _) =>
        {
            var result = new LayerCache(parse.GetValue(dir) ?? CacheDirectory.Default()).Info();
            await parse.InvocationConfiguration.Output.WriteLineAsync($"cache: {result.Root}\nlayer entries: {result.Entries}\nsize: {InspectView.Bytes(result.Bytes)}");
            return ExitCodes.Success;
        });
        var clean = new Command("clean", "Remove cached layer results (the advisory database is kept)") { dir };
        clean.SetAction(async (parse, _) =>
        {
            var removed = new LayerCache(parse.GetValue(dir) ?? CacheDirectory.Default()).Clean();
            await parse.InvocationConfiguration.Output.WriteLineAsync($"removed {removed} layer entries");
            return ExitCodes.Success;
        });
        var maxSize = new Option<string>("--max-size") { Description = "Largest size of the layer cache, e.g. 500M or 2G; kept by every later scan", Required = true };
        var prune = new Command("prune", "Evict least recently used layer results down to --max-size, and keep the cache under it from now on") { dir, maxSize };
        prune.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(maxSize)!;
            if (LayerCache.ParseSize(text) is not { } max)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"comb: --max-size: not a size: '{text}' (e.g. 500M, 2G, or bytes)");
                return ExitCodes.InputError;
            }

            var layers = new LayerCache(parse.GetValue(dir) ?? CacheDirectory.Default());
            layers.SetMaxSize(max);
            var removed = await layers.PruneAsync(max, ct);
            var after = layers.Info();
            await parse.InvocationConfiguration.Output.WriteLineAsync($"removed {removed} layer entries; {after.Entries} left, {InspectView.Bytes(after.Bytes)} (limit {InspectView.Bytes(max)})");
            return ExitCodes.Success;
        });
        cache.Subcommands.Add(info);
        cache.Subcommands.Add(clean);
        cache.Subcommands.Add(prune);
        return cache;
    }
}
