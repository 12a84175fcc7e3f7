using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;
using Comb.Malware;
using Comb.Runtime;

namespace Comb.Cli.Commands;

/// <summary>comb runtime scan: running containers of a Podman/CRI-O store, their drift from the image and their privileges.</summary>
internal static class RuntimeCommands
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Command Build()
    {
        var runtime = new Command("runtime", "Inspect running containers");
        var scan = new Command("scan", "List running Podman/CRI-O containers with files drifted from their image and least-privilege findings");
        var storageRoot = new Option<string?>("--storage-root") { Description = "containers storage root (default /var/lib/containers/storage)" };
        var runRoot = new Option<string?>("--runroot") { Description = "containers storage run root, for pid files (default /run/containers/storage)" };
        var format = new Option<string>("--format", "-f") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        scan.Options.Add(storageRoot);
        scan.Options.Add(runRoot);
        scan.Options.Add(format);
        scan.SetAction(async (parse, ct) =>
        {
            using var engines = MalwareEngines.Create(new ScanOptions());
            var analyzer = new MalwareFileAnalyzer(engines);
            var report = await new RuntimeScanner(analyzer).ScanAsync(new RuntimeScanOptions { StorageRoot = parse.GetValue(storageRoot), RunRoot = parse.GetValue(runRoot) }, ct);
            var output = parse.InvocationConfiguration.Output;
            await output.WriteAsync(parse.GetValue(format) == "json" ? JsonSerializer.Serialize(report, Json) + "\n" : ToText(report));
            return ExitCodes.Success;
        });
        runtime.Subcommands.Add(scan);
        return runtime;
    }

    private static string ToText(RuntimeReport report)
    {
        var text = new StringBuilder();
        if (report.Containers.Count == 0)
        {
            text.AppendLine($"no running containers in {report.StorageRoot}");
        }

        foreach (var c in report.Containers)
        {
            text.AppendLine($"{c.Name ?? c.Id[..12]}  {c.Id[..12]}  image {c.Image} ({c.ImageDigest ?? c.ImageId})  pid {c.Pid}");
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
