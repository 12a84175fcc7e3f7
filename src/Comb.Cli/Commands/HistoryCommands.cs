using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;
using Comb.Reporting;
using Comb.Engine;
using Comb.Engine.Cache;
using Comb.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Commands;

/// <summary>comb history | history show | history prune | diff | impact | rescan | trace: the scan history.</summary>
internal static class HistoryCommands
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static IEnumerable<Command> Build(IServiceProvider services)
    {
        yield return History(services);
        yield return Diff(services);
        yield return Impact(services);
        yield return Rescan(services);
        yield return Trace(services);
    }

    /// <summary>--store and --cache-dir; the store itself is the host's, opened once per run.</summary>
    private sealed class StoreOptions(IServiceProvider services)
    {
        public Option<string?> Store { get; } = new("--store") { Description = "SQLite path or postgres:// URL (default: <cache>/history/comb-history.db or $COMB_STORE)" };
        public Option<string?> CacheDir { get; } = new("--cache-dir") { Description = "Cache directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        public Option<string> Format { get; } = new("--format", "-f") { Description = "table or json", DefaultValueFactory = _ => "table" };

        public void AddTo(Command command, bool format = true)
        {
            command.Options.Add(Store);
            command.Options.Add(CacheDir);
            if (format)
            {
                Format.AcceptOnlyFromAmong("table", "json");
                command.Options.Add(Format);
            }
        }

        public string CacheDirOf(ParseResult parse) => parse.GetValue(CacheDir) ?? CacheDirectory.Default();

        public string LocationOf(ParseResult parse) =>
            parse.GetValue(Store) ?? Environment.GetEnvironmentVariable("COMB_STORE") ?? ScanStore.DefaultPath(CacheDirOf(parse));

        public Task<ScanStore> OpenAsync(ParseResult parse, CancellationToken ct) => services.GetRequiredService<ScanStores>().GetAsync(LocationOf(parse), ct);

        public bool IsJson(ParseResult parse) => parse.GetValue(Format) == "json";
    }

    private static Command History(IServiceProvider services)
    {
        var history = new Command("history", "List recorded scans (optionally of one image, repository or digest)");
        var image = new Argument<string?>("REF") { Description = "Image reference, repository or digest", Arity = ArgumentArity.ZeroOrOne };
        var limit = new Option<int>("--limit") { Description = "Most scans to list", DefaultValueFactory = _ => 100 };
        var store = new StoreOptions(services);
        history.Arguments.Add(image);
        history.Options.Add(limit);
        store.AddTo(history);
        history.SetAction(async (parse, ct) =>
        {
            var scans = await (await store.OpenAsync(parse, ct)).ListAsync(new HistoryQuery { Image = parse.GetValue(image), Limit = parse.GetValue(limit) }, ct);
            var output = parse.InvocationConfiguration.Output;
            if (store.IsJson(parse))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(scans, Json));
                return ExitCodes.Success;
            }

            await output.WriteLineAsync($"{"SCAN",-20} {"TIME",-20} {"IMAGE",-40} {"C",4} {"H",4} {"M",4} {"L",4} {"U",4} {"SECRETS",7} {"MALWARE",7} VERDICT");
            foreach (var s in scans)
            {
                await output.WriteLineAsync($"{s.Id,-20} {s.CreatedAt:yyyy-MM-dd HH:mm:ss} {Clip(s.Reference, 40),-40} {s.Critical,4} {s.High,4} {s.Medium,4} {s.Low,4} {s.Unknown,4} {s.Secrets,7} {s.Malware,7} {s.Verdict ?? "-"}");
            }

            return ExitCodes.Success;
        });

        var show = new Command("show", "Print a stored report in any output format");
        var id = new Argument<string>("ID") { Description = "Scan id (or image reference/digest: its latest scan)" };
        var showStore = new StoreOptions(services);
        var format = new Option<string>("--format", "-f") { Description = string.Join('|', ReportFormats.Names), DefaultValueFactory = _ => "table" };
        show.Arguments.Add(id);
        show.Options.Add(format);
        showStore.AddTo(show, format: false);
        show.SetAction(async (parse, ct) =>
        {
            var scans = await showStore.OpenAsync(parse, ct);
            var key = parse.GetValue(id)!;
            var report = await scans.GetAsync(key, ct) ?? await scans.LatestAsync(key, ct) ?? throw new CombInputException($"no stored scan '{key}'");
            var name = parse.GetValue(format)!;
            var writer = services.GetServices<IReportWriter>().FirstOrDefault(w => w.Format == name) ?? throw new CombInputException($"output format '{name}' is not available");
            using var buffer = new MemoryStream();
            await writer.WriteAsync(report, buffer, ct);
            await parse.InvocationConfiguration.Output.WriteAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return ExitCodes.Success;
        });

        var prune = new Command("prune", "Delete old scans, keeping recent ones and the newest per image");
        var keepDays = new Option<int>("--keep-days") { Description = "Keep scans from the last N days", DefaultValueFactory = _ => 90 };
        var keepLast = new Option<int>("--keep-last") { Description = "Always keep the newest K scans of each image", DefaultValueFactory = _ => 1 };
        var pruneStore = new StoreOptions(services);
        prune.Options.Add(keepDays);
        prune.Options.Add(keepLast);
        pruneStore.AddTo(prune, format: false);
        prune.SetAction(async (parse, ct) =>
        {
            var removed = await (await pruneStore.OpenAsync(parse, ct)).PruneAsync(parse.GetValue(keepDays), parse.GetValue(keepLast), DateTimeOffset.UtcNow, ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"pruned {removed} scans");
            return ExitCodes.Success;
        });
        history.Subcommands.Add(show);
        history.Subcommands.Add(prune);
        return history;
    }

    private static Command Diff(IServiceProvider services)
    {
        var diff = new Command("diff", "Compare two scans (ids) or the latest scans of two images");
        var a = new Argument<string>("A");
        var b = new Argument<string>("B");
        var store = new StoreOptions(services);
        diff.Arguments.Add(a);
        diff.Arguments.Add(b);
        store.AddTo(diff);
        diff.SetAction(async (parse, ct) =>
        {
            var scans = await store.OpenAsync(parse, ct);
            async Task<ScanReport> Load(string key) =>
                await scans.GetAsync(key, ct) ?? await scans.LatestAsync(key, ct) ?? throw new CombInputException($"no stored scan '{key}'");
            var result = ScanDiff.Compare(await Load(parse.GetValue(a)!), await Load(parse.GetValue(b)!));
            var output = parse.InvocationConfiguration.Output;
            if (store.IsJson(parse))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(result, Json));
                return ExitCodes.Success;
            }

            await output.WriteLineAsync($"diff {result.From} -> {result.To}");
            await Section(output, "added packages", result.AddedPackages);
            await Section(output, "removed packages", result.RemovedPackages);
            await Section(output, "new vulnerabilities", result.NewVulnerabilities);
            await Section(output, "fixed vulnerabilities", result.FixedVulnerabilities);
            await Section(output, "new secrets", result.NewSecrets);
            await Section(output, "new malware", result.NewMalware);
            await output.WriteLineAsync(result.VerdictChanged ? $"verdict: {result.VerdictFrom ?? "none"} -> {result.VerdictTo ?? "none"}" : $"verdict unchanged: {result.VerdictTo ?? "none"}");
            return ExitCodes.Success;
        });
        return diff;
    }

    private static Command Impact(IServiceProvider services)
    {
        var impact = new Command("impact", "List every stored image (latest scan per digest) hit by a vulnerability or carrying a package");
        var what = new Argument<string>("CVE-ID|GHSA-ID|PACKAGE[@VERSION]");
        var store = new StoreOptions(services);
        impact.Arguments.Add(what);
        store.AddTo(impact);
        impact.SetAction(async (parse, ct) =>
        {
            var scans = await store.OpenAsync(parse, ct);
            var query = parse.GetValue(what)!;
            var hits = await ImpactQuery.Parse(query).RunAsync(scans, ct);
            var output = parse.InvocationConfiguration.Output;
            if (store.IsJson(parse))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(hits, Json));
                return ExitCodes.Success;
            }

            await output.WriteLineAsync($"{hits.Select(h => h.Digest).Distinct().Count()} images affected by {query}");
            foreach (var h in hits)
            {
                await output.WriteLineAsync($"{h.Reference}  {h.Digest}  {h.Package} {h.Version}{(h.FixedVersion is { Length: > 0 } f ? $" (fixed in {f})" : "")}  {h.Path} layer {Short(h.Layer)}");
            }

            return ExitCodes.Success;
        });
        return impact;
    }

    private static Command Rescan(IServiceProvider services)
    {
        var rescan = new Command("rescan", "Re-match stored inventories against the current advisory database (no pulls, no layer reads)");
        var images = new Argument<string[]>("REF") { Arity = ArgumentArity.ZeroOrMore, Description = "Images to re-check (reference, repository or digest)" };
        var all = new Option<bool>("--all") { Description = "Re-check the latest scan of every stored image" };
        var db = new Option<string?>("--db") { Description = "Advisory database file (default: <cache>/db/comb.db)" };
        var policy = new Option<string?>("--policy") { Description = "Policy file for the new verdicts" };
        var store = new StoreOptions(services);
        rescan.Arguments.Add(images);
        rescan.Options.Add(all);
        rescan.Options.Add(db);
        rescan.Options.Add(policy);
        store.AddTo(rescan);
        rescan.SetAction(async (parse, ct) =>
        {
            var refs = parse.GetValue(images) ?? [];
            if (!parse.GetValue(all) && refs.Length == 0)
            {
                throw new CombInputException("name images to re-check, or --all");
            }

            var scans = await store.OpenAsync(parse, ct);
            var scanner = services.GetRequiredService<ImageScanner>();
            var options = new ScanOptions
            {
                CacheDir = store.CacheDirOf(parse),
                DbPath = parse.GetValue(db),
                PolicyFile = parse.GetValue(policy),

                // Only what works from a stored inventory: matching and policy; secrets and malware are carried over.
                Scanners = new HashSet<string>([Scanners.Vuln, Scanners.Secret, Scanners.Malware]),
                StorePath = store.LocationOf(parse),
            };
            var seeder = services.GetRequiredService<Comb.VulnDb.Matching.StoredMatchSeeder>();
            var results = await new Rescanner(scans, (inventory, o, token) => scanner.RunStagesAsync(inventory, o, token), (stored, o) => seeder.Seed(stored, o),
                    Comb.Engine.RescanScopes.Of(seeder))
                .RescanAsync(parse.GetValue(all) ? null : refs, options, ct);
            var output = parse.InvocationConfiguration.Output;
            if (store.IsJson(parse))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(results, Json));
                return ExitCodes.Success;
            }

            foreach (var r in results)
            {
                await output.WriteLineAsync($"{r.Reference}: scan {r.ScanId}, {r.NewlyVulnerable.Count} newly vulnerable, {r.NoLongerVulnerable.Count} no longer vulnerable");
                foreach (var v in r.NewlyVulnerable)
                {
                    await output.WriteLineAsync($"  + {v}");
                }
            }

            await output.WriteLineAsync($"re-checked {results.Count} images");
            return ExitCodes.Success;
        });
        return rescan;
    }

    private static Command Trace(IServiceProvider services)
    {
        var trace = new Command("trace", "Timeline of one image: first seen, scans, verdict changes, findings appearing and disappearing");
        var digest = new Argument<string>("DIGEST");
        var store = new StoreOptions(services);
        trace.Arguments.Add(digest);
        store.AddTo(trace);
        trace.SetAction(async (parse, ct) =>
        {
            var result = await ImageTrace.BuildAsync(await store.OpenAsync(parse, ct), parse.GetValue(digest)!, ct);
            if (result.Scans.Count == 0)
            {
                throw new CombInputException($"no stored scan of {result.Digest}");
            }

            var output = parse.InvocationConfiguration.Output;
            if (store.IsJson(parse))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(result, Json));
                return ExitCodes.Success;
            }

            await output.WriteLineAsync($"{result.Digest}: first seen {result.FirstSeen:u}, {result.Scans.Count} scans");
            foreach (var e in result.Events)
            {
                await output.WriteLineAsync($"{e.At:u}  {e.ScanId}  {e.Kind,-11} {e.What}");
            }

            return ExitCodes.Success;
        });
        return trace;
    }

    private static async Task Section(TextWriter output, string title, IReadOnlyList<string> items)
    {
        await output.WriteLineAsync($"{title}: {items.Count}");
        foreach (var item in items)
        {
            await output.WriteLineAsync($"  {item}");
        }
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : "…" + text[^(max - 1)..];

    private static string Short(string? digest) => digest is null ? "-" : Image.Layers.LayerStreams.Short(digest);
}
