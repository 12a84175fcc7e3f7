using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;
using Comb.Engine;
using Comb.Engine.Cache;
using Comb.Runtime;
using Comb.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Commands;

/// <summary>comb runtime scan and watch: running Podman/CRI-O and containerd containers, their drift from the image and their privileges.</summary>
internal static class RuntimeCommands
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Where the runtimes are: the options scan and watch share.</summary>
    private sealed class RuntimeOptions
    {
        public Option<string?> StorageRoot { get; } = new("--storage-root") { Description = "Podman/CRI-O storage root (default /var/lib/containers/storage)" };
        public Option<string?> RunRoot { get; } = new("--runroot") { Description = "Podman/CRI-O run root, for pid files (default /run/containers/storage)" };
        public Option<string?> ContainerdAddress { get; } = new("--containerd-address") { Description = "containerd socket (default /run/containerd/containerd.sock when it exists and no --storage-root is given)" };
        public Option<string?> ContainerdNamespace { get; } = new("--containerd-namespace") { Description = "Only this containerd namespace (default: every namespace)" };

        public void AddTo(Command command)
        {
            command.Options.Add(StorageRoot);
            command.Options.Add(RunRoot);
            command.Options.Add(ContainerdAddress);
            command.Options.Add(ContainerdNamespace);
        }

        public RuntimeScanOptions Apply(ParseResult parse) => new()
        {
            StorageRoot = parse.GetValue(StorageRoot),
            RunRoot = parse.GetValue(RunRoot),
            ContainerdAddress = parse.GetValue(ContainerdAddress),
            ContainerdNamespace = parse.GetValue(ContainerdNamespace),
        };
    }

    public static Command Build(IServiceProvider services)
    {
        var runtime = new Command("runtime", "Inspect running containers");
        runtime.Subcommands.Add(BuildScan(services));
        runtime.Subcommands.Add(BuildWatch(services));
        return runtime;
    }

    private static Command BuildScan(IServiceProvider services)
    {
        var scan = new Command("scan", "List running Podman/CRI-O and containerd containers with files drifted from their image and least-privilege findings");
        var where = new RuntimeOptions();
        var format = new Option<string>("--format", "-f") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var store = new Option<string?>("--store") { Description = "Scan history store to map images to their latest scan (default: <cache>/history/comb-history.db or $COMB_STORE, when it exists)" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Cache directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        where.AddTo(scan);
        scan.Options.Add(format);
        scan.Options.Add(store);
        scan.Options.Add(cacheDir);
        scan.SetAction(async (parse, ct) =>
        {
            using var malware = new LazyMalwareAnalyzer();
            var report = await new RuntimeScanner(malware).ScanAsync(where.Apply(parse), ct);
            var location = parse.GetValue(store) ?? Environment.GetEnvironmentVariable("COMB_STORE") ?? ScanStore.DefaultPath(parse.GetValue(cacheDir) ?? CacheDirectory.Default());
            if (ScanStore.IsPostgresLocation(location) || File.Exists(location))
            {
                // Only an existing store is read: a runtime scan creates nothing.
                var scans = new ImageScans(await services.GetRequiredService<ScanStores>().GetAsync(location, ct));
                var mapped = new List<ContainerReport>();
                foreach (var c in report.Containers)
                {
                    mapped.Add(c with { ImageScan = c.ImageDigest is null ? null : await scans.LatestAsync(c.ImageDigest, ct) });
                }

                report = report with { Containers = mapped };
            }

            var output = parse.InvocationConfiguration.Output;
            await output.WriteAsync(parse.GetValue(format) == "json" ? JsonSerializer.Serialize(report, Json) + "\n" : ToText(report));
            return ExitCodes.Success;
        });
        return scan;
    }

    private static Command BuildWatch(IServiceProvider services)
    {
        var watch = new Command("watch", "Re-check running containers every interval: scan each new image digest once, record containers and their drift in the store");
        var where = new RuntimeOptions();
        var interval = new Option<string>("--interval") { Description = "Time between rounds: 500ms, 30s, 5m, 1h (default 60s)", DefaultValueFactory = _ => "60s" };
        var duration = new Option<string?>("--duration") { Description = "Stop after this long (default: run until stopped)" };
        var store = new Option<string?>("--store") { Description = "Store for image scans and runtime records: SQLite path or postgres:// URL (default: <cache>/history/comb-history.db or $COMB_STORE)" };
        var cacheDir = new Option<string?>("--cache-dir") { Description = "Layer cache and advisory database directory (default: $COMB_CACHE_DIR or ~/.cache/comb)" };
        var containerdRoot = new Option<string?>("--containerd-root") { Description = "containerd root, where images of containerd containers are read (default /var/lib/containerd)" };
        var scanners = new Option<string>("--scanners") { Description = "Scanners for image scans: vuln,secret,malware,config", DefaultValueFactory = _ => string.Join(',', Scanners.All) };
        where.AddTo(watch);
        foreach (var option in new Option[] { interval, duration, store, cacheDir, containerdRoot, scanners })
        {
            watch.Options.Add(option);
        }

        watch.SetAction(async (parse, ct) =>
        {
            var runtimeOptions = where.Apply(parse);
            var options = new RuntimeWatchOptions
            {
                Runtime = runtimeOptions,
                Interval = Durations.Parse(parse.GetValue(interval)!, "--interval"),
                Duration = parse.GetValue(duration) is { } d ? Durations.Parse(d, "--duration", allowZero: true) : null,
                Scan = new ScanOptions
                {
                    Scanners = ScanCommand.ParseScanners(parse.GetValue(scanners)!),
                    CacheDir = parse.GetValue(cacheDir) ?? CacheDirectory.Default(),
                    StorePath = parse.GetValue(store) ?? Environment.GetEnvironmentVariable("COMB_STORE"),
                    StorageRoot = runtimeOptions.StorageRoot,
                    ContainerdRoot = parse.GetValue(containerdRoot),
                    Trigger = "runtime-watch",
                },
            };
            using var malware = new LazyMalwareAnalyzer();
            var watcher = new RuntimeWatch(new RuntimeScanner(malware), services.GetRequiredService<ImageScanner>(), services.GetRequiredService<ScanStores>(),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            return await watcher.RunAsync(options, ct);
        });
        return watch;
    }

    private static string ToText(RuntimeReport report)
    {
        var text = new StringBuilder();
        if (report.Containers.Count == 0)
        {
            text.AppendLine($"no running containers in {string.Join(" or ", new[] { report.StorageRoot, report.ContainerdAddress }.OfType<string>())}");
        }

        foreach (var c in report.Containers)
        {
            text.AppendLine($"{c.Name ?? c.Id}  {c.Runtime}{(c.Namespace is null ? "" : "/" + c.Namespace)}  {c.Id[..Math.Min(12, c.Id.Length)]}  image {c.Image} ({c.ImageDigest ?? c.ImageId})  pid {c.Pid}");
            if (c.ImageScan is { } scan)
            {
                text.AppendLine($"  image scan {scan.ScanId} at {scan.ScannedAt:u}: {scan.Critical} critical, {scan.High} high, {scan.Malware} malware, {scan.Secrets} secrets");
            }

            if (c.DriftUnavailable is { } why)
            {
                text.AppendLine($"  drift not computed: {why}");
            }

            text.AppendLine($"  drift: {(c.Drifted ? $"{c.Drift.Count} file(s)" : "none")}{(c.MutableImageReference ? "; image named by a mutable tag" : "")}");
            foreach (var d in c.Drift)
            {
                var kinds = d.Kinds.Count == 0 ? "" : " [" + string.Join(',', d.Kinds) + "]";
                text.AppendLine($"    {d.Severity.ToString().ToUpperInvariant(),-8} {d.Change,-8} {d.Path}{kinds}{(d.Mode is null ? "" : " mode " + d.Mode)}");
                foreach (var m in d.Malware)
                {
                    text.AppendLine($"             malware: {m.Category} by {string.Join(',', m.Engines)}: {string.Join("; ", m.Signatures)}");
                }
            }

            foreach (var p in c.Privileges)
            {
                text.AppendLine($"  {p.Severity.ToString().ToUpperInvariant(),-8} {p.Id}: {p.Title}");
            }
        }

        return text.ToString();
    }
}
