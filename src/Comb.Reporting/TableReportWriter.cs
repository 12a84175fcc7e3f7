using System.Globalization;
using System.Text;
using Comb.Contracts;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Comb.Reporting;

/// <summary>How the table is rendered: width in columns, and whether ANSI colours may be used.</summary>
public sealed record TableWriterOptions
{
    public int Width { get; init; } = 160;

    /// <summary>Colour output; only for a real terminal (the CLI sets it when stdout is not redirected).</summary>
    public bool Ansi { get; init; }
}

/// <summary>
/// Human-readable report: vulnerabilities grouped by target (OS packages, each lock file or binary) with counts
/// per severity, then secrets, malware, misconfigurations, trust and policy. Renders to any stream at a fixed
/// width, without ANSI codes unless asked.
/// </summary>
public sealed class TableReportWriter(TableWriterOptions? options = null) : IReportWriter
{
    private readonly TableWriterOptions _options = options ?? new TableWriterOptions();

    public string Format => "table";

    public async Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken)
    {
        report = ReportSorter.Sort(report);
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = _options.Ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = _options.Ansi ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(text),
        });
        console.Profile.Width = _options.Width;
        console.Profile.Capabilities.Unicode = true;

        Render(console, report);
        // Grids pad cells with spaces; trailing blanks are noise in logs and diffs.
        var lines = text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd(' '));
        var bytes = new UTF8Encoding(false).GetBytes(string.Join('\n', lines));
        await output.WriteAsync(bytes, cancellationToken);
    }

    private static void Render(IAnsiConsole console, ScanReport report)
    {
        var image = report.Image;
        console.Write(new Rule($"[bold]{Markup.Escape(ReportFacts.ImageName(image))}[/]").LeftJustified());
        var facts = new Grid().AddColumn().AddColumn();
        facts.AddRow("Image ID", Markup.Escape(image.ConfigDigest));
        if (image.ManifestDigest is not null)
        {
            facts.AddRow("Digest", Markup.Escape(image.ManifestDigest));
        }

        facts.AddRow("Platform", Markup.Escape(image.Platform.ToString()));
        if (report.Os is { } os)
        {
            facts.AddRow("OS", Markup.Escape(os.PrettyName ?? $"{os.Family} {os.Name}"));
        }

        facts.AddRow("Scanned", report.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        if (report.AdvisoryDbVersion is not null)
        {
            facts.AddRow("Advisory DB", Markup.Escape(report.AdvisoryDbVersion));
        }

        console.Write(facts);
        console.WriteLine();

        RenderInventory(console, report);
        RenderVulnerabilities(console, report);
        RenderSection(console, "Secrets", report.Secrets, s => s.Severity,
            ["Severity", "Rule", "Location", "Match", "Note"],
            s => [Sev(s.Severity), s.RuleId, s.Line is null ? s.Path : $"{s.Path}:{s.Line.Value.ToString(CultureInfo.InvariantCulture)}", s.Masked,
                s.DeletedInLaterLayer ? "deleted in a later layer" : string.Empty]);
        RenderSection(console, "Malware", report.Malware, m => m.Severity,
            ["Severity", "Path", "Category", "Signatures", "Engines"],
            m => [Sev(m.Severity), m.Path + (m.DeletedInLaterLayer ? " (deleted later)" : string.Empty), m.Category, string.Join(", ", m.Signatures), string.Join(", ", m.Engines)]);
        RenderSection(console, "Misconfigurations", report.Misconfigurations, c => c.Severity,
            ["Severity", "Check", "Title", "Location", "Message"],
            c => [Sev(c.Severity), c.CheckId, c.Title, c.Location, c.Message]);
        RenderTrust(console, report.Trust);
        RenderPolicy(console, report.Policy);

        if (report.Diagnostics.Count > 0)
        {
            console.Write(new Rule("Diagnostics").LeftJustified());
            foreach (var d in report.Diagnostics)
            {
                console.WriteLine($"{d.Level}: {(d.Path is null ? string.Empty : d.Path + ": ")}{d.Message}");
            }
        }
    }

    private static void RenderVulnerabilities(IAnsiConsole console, ScanReport report)
    {
        var targets = report.PackageSets
            .GroupBy(s => ReportFacts.ImagePath(s.FilePath), StringComparer.Ordinal)
            .Select(g => (Target: g.Key, Kind: g.First().Kind, Class: PackageClasses.Of(g.First())))
            .ToList();
        foreach (var extra in report.Vulnerabilities.Select(v => ReportFacts.VulnerabilityTarget(v, report)).Distinct(StringComparer.Ordinal))
        {
            if (!targets.Any(t => t.Target == extra))
            {
                targets.Add((extra, "unknown", PackageClass.Language));
            }
        }

        // One section per target with findings (OS package databases first, then language targets, each by path);
        // the clean ones are counted in one line, since an image can hold dozens of lock files and package folders.
        var clean = 0;
        foreach (var (target, kind, @class) in targets.OrderBy(t => t.Class == PackageClass.Os ? 0 : 1).ThenBy(t => t.Target, StringComparer.Ordinal))
        {
            var vulns = report.Vulnerabilities.Where(v => ReportFacts.VulnerabilityTarget(v, report) == target).ToList();
            if (vulns.Count == 0)
            {
                clean++;
                continue;
            }

            var label = @class == PackageClass.Os ? $"{target} ({kind}, OS packages)" : $"{target} ({kind})";
            console.Write(new Rule($"[bold]{Markup.Escape(label)}[/]").LeftJustified());
            console.WriteLine(Totals(vulns.Select(v => v.Severity)));
            var table = NewTable("Library", "Vulnerability", "Severity", "Status", "Installed", "Fixed", "Title");
            foreach (var v in vulns.OrderByDescending(v => v.Severity).ThenBy(v => v.PackageName, StringComparer.Ordinal).ThenBy(v => v.Id, StringComparer.Ordinal))
            {
                AddRow(table, [v.PackageName, v.Id + (v.KnownExploited ? " (KEV)" : string.Empty), Sev(v.Severity), v.Status, v.InstalledVersion,
                    string.Join(", ", v.FixedVersions), v.Title ?? string.Empty]);
            }

            console.Write(table);
            console.WriteLine();
        }

        if (clean > 0)
        {
            console.WriteLine($"Vulnerabilities: none in {clean.ToString(CultureInfo.InvariantCulture)} other target{(clean == 1 ? string.Empty : "s")}");
            console.WriteLine();
        }
    }

    /// <summary>Package counts per ecosystem and per layer: what the vulnerability results are about.</summary>
    private static void RenderInventory(IAnsiConsole console, ScanReport report)
    {
        var packages = report.Packages.ToList();
        console.Write(new Rule($"[bold]Inventory[/]").LeftJustified());
        console.WriteLine($"Packages: {packages.Count.ToString(CultureInfo.InvariantCulture)}");
        if (packages.Count == 0)
        {
            console.WriteLine();
            return;
        }

        var byType = NewTable(["Ecosystem", "Packages"]);
        foreach (var group in packages.GroupBy(p => p.Type, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            AddRow(byType, [group.Key, group.Count().ToString(CultureInfo.InvariantCulture)]);
        }

        var byLayer = NewTable(["Layer", "DiffID", "Created by", "Packages"]);
        foreach (var layer in report.Image.Layers)
        {
            var count = packages.Count(p => string.Equals(p.LayerDiffId, layer.DiffId, StringComparison.Ordinal));
            if (count > 0)
            {
                var createdBy = layer.CreatedBy ?? string.Empty;
                AddRow(byLayer, [layer.Index.ToString(CultureInfo.InvariantCulture), ReportFacts.ShortDigest(layer.DiffId),
                    createdBy.Length > 60 ? createdBy[..59] + "…" : createdBy, count.ToString(CultureInfo.InvariantCulture)]);
            }
        }

        console.Write(byType);
        console.Write(byLayer);
        console.WriteLine();
    }

    private static void RenderSection<T>(IAnsiConsole console, string title, IReadOnlyList<T> items, Func<T, Severity> severity,
        string[] columns, Func<T, string[]> row)
    {
        console.Write(new Rule($"[bold]{title}[/]").LeftJustified());
        console.WriteLine(Totals(items.Select(severity)));
        if (items.Count > 0)
        {
            var table = NewTable(columns);
            foreach (var item in items.OrderByDescending(severity))
            {
                AddRow(table, row(item));
            }

            console.Write(table);
        }

        console.WriteLine();
    }

    private static void RenderTrust(IAnsiConsole console, TrustResult? trust)
    {
        if (trust is null)
        {
            return;
        }

        console.Write(new Rule("[bold]Trust[/]").LeftJustified());
        console.WriteLine($"Trusted: {(trust.Trusted ? "yes" : "NO")}   Signature: {trust.SignatureStatus}{(trust.SignatureKey is null ? string.Empty : " (" + trust.SignatureKey + ")")}");
        foreach (var reason in trust.Reasons)
        {
            console.WriteLine("  - " + reason);
        }

        console.WriteLine();
    }

    private static void RenderPolicy(IAnsiConsole console, PolicyVerdict? policy)
    {
        if (policy is null)
        {
            return;
        }

        console.Write(new Rule("[bold]Policy[/]").LeftJustified());
        console.WriteLine($"Decision: {policy.Decision.ToUpperInvariant()}{(policy.PolicyName is null ? string.Empty : " (policy " + policy.PolicyName + ")")}");
        if (policy.Fired.Count > 0)
        {
            var table = NewTable("Rule", "Action", "Message", "Matches");
            foreach (var rule in policy.Fired.OrderBy(r => r.RuleId, StringComparer.Ordinal))
            {
                AddRow(table, [rule.RuleId, rule.Action, rule.Message, string.Join(", ", rule.Matches)]);
            }

            console.Write(table);
        }

        console.WriteLine();
    }

    private static Table NewTable(params string[] columns)
    {
        var table = new Table().Border(TableBorder.Square).Expand();
        foreach (var c in columns)
        {
            table.AddColumn(new TableColumn(new Text(c)));
        }

        return table;
    }

    private static void AddRow(Table table, string[] cells) => table.AddRow(cells.Select(c => (IRenderable)new Text(c)).ToArray());

    private static string Sev(Severity s) => s.ToUpperName();

    private static string Totals(IEnumerable<Severity> severities)
    {
        var list = severities.ToList();
        var counts = ReportSorter.WorstFirst.Reverse()
            .Select(s => $"{s.ToUpperName()}: {list.Count(x => x == s).ToString(CultureInfo.InvariantCulture)}");
        return $"Total: {list.Count.ToString(CultureInfo.InvariantCulture)} ({string.Join(", ", counts)})";
    }
}
