namespace Comb.Contracts;

/// <summary>Everything one scan found about one image; what every output format renders and the store keeps.</summary>
public sealed record ScanReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Set by the scan store once recorded.</summary>
    public string? ScanId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string ToolVersion { get; init; }

    public required ImageMetadata Image { get; init; }
    public OsInfo? Os { get; init; }
    public IReadOnlyList<PackageSet> PackageSets { get; init; } = [];
    public IReadOnlyList<VulnerabilityFinding> Vulnerabilities { get; init; } = [];
    public IReadOnlyList<SecretFinding> Secrets { get; init; } = [];
    public IReadOnlyList<MalwareFinding> Malware { get; init; } = [];
    public IReadOnlyList<ConfigFinding> Misconfigurations { get; init; } = [];
    public TrustResult? Trust { get; init; }
    public PolicyVerdict? Policy { get; init; }
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>Advisory database the vulnerabilities were matched against (schema, build time).</summary>
    public string? AdvisoryDbVersion { get; init; }

    /// <summary>Who ran it: cli, ci:&lt;job&gt;, server, rescan.</summary>
    public string? Trigger { get; init; }

    public IEnumerable<Package> Packages => PackageSets.SelectMany(s => s.Packages);
}

/// <summary>
/// Mutable state passed through the stages after inventory (matching, checks, trust, policy, storage).
/// Stages run in <see cref="IScanStage.Order"/> order and replace the lists they own.
/// </summary>
public sealed class ScanContext
{
    public ScanContext(ImageInventory inventory, ScanOptions options)
    {
        Inventory = inventory;
        Options = options;
        Secrets = [.. inventory.Secrets];
        Malware = [.. inventory.Malware];
        Diagnostics = [.. inventory.Diagnostics];
        CreatedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>When the scan's report was made: fixed once, so every copy of the report carries the same time.</summary>
    public DateTimeOffset CreatedAt { get; }

    public ImageInventory Inventory { get; }
    public ScanOptions Options { get; }
    public ImageMetadata Image => Inventory.Image;

    public List<VulnerabilityFinding> Vulnerabilities { get; set; } = [];
    public List<SecretFinding> Secrets { get; set; }
    public List<MalwareFinding> Malware { get; set; }
    public List<ConfigFinding> Misconfigurations { get; set; } = [];
    public TrustResult? Trust { get; set; }
    public PolicyVerdict? Policy { get; set; }
    public List<Diagnostic> Diagnostics { get; }
    public string? AdvisoryDbVersion { get; set; }

    /// <summary>Set by the store stage once recorded.</summary>
    public string? ScanId { get; set; }

    /// <summary>Version of this build of Comb, as reports carry it.</summary>
    public static string ToolVersion => typeof(ScanContext).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>The report as the stages so far left it; scanners that were not enabled report nothing.</summary>
    public ScanReport ToReport() => new()
    {
        ScanId = ScanId,
        CreatedAt = CreatedAt,
        ToolVersion = ToolVersion,
        Image = Image,
        Os = Inventory.Os,
        PackageSets = Inventory.PackageSets,
        Vulnerabilities = Vulnerabilities,
        Secrets = Options.IsEnabled(Scanners.Secret) ? Secrets : [],
        Malware = Options.IsEnabled(Scanners.Malware) ? Malware : [],
        Misconfigurations = Misconfigurations,
        Trust = Trust,
        Policy = Policy,
        Diagnostics = Diagnostics,
        AdvisoryDbVersion = AdvisoryDbVersion,
        Trigger = Options.Trigger,
    };
}

/// <summary>
/// A step after the inventory that adds findings: vulnerability matching (100), config checks (200), trust (300).
/// The verdict (<see cref="IVerdictService"/>) and the store (<see cref="IScanRecorder"/>) come after, once per scan.
/// </summary>
public interface IScanStage
{
    string Id { get; }
    int Order { get; }

    /// <summary>Whether the stage runs for these options (e.g. only when its scanner is enabled).</summary>
    bool IsEnabled(ScanOptions options);

    Task RunAsync(ScanContext context, CancellationToken cancellationToken);
}

/// <summary>Renders a report in one format.</summary>
public interface IReportWriter
{
    /// <summary>The format's name (Comb.Reporting.ReportFormats lists them).</summary>
    string Format { get; }
    Task WriteAsync(ScanReport report, Stream output, CancellationToken cancellationToken);
}
