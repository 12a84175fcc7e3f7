using Comb.Contracts;
using Comb.Server.Scans;

namespace Comb.Server.Vex;

/// <summary>
/// The stored statements as the engine reads `--vex` files: one OpenVEX document given to a scan's options, and applied to
/// stored reports through the same presentation filter the CLI uses, so the server suppresses exactly what `comb scan
/// --vex` would.
/// </summary>
public sealed class StoredVex(VexStore store, IEnumerable<IReportFilter> filters) : IScanVexSource
{
    public const string DocumentName = "stored VEX statements";

    private static readonly IReadOnlySet<string> VulnOnly = new HashSet<string>([Scanners.Vuln], StringComparer.Ordinal);

    /// <summary>Every statement as one OpenVEX document (live ones, with the document version counting every change).</summary>
    public async Task<string> DocumentJsonAsync(CancellationToken cancellationToken) =>
        OpenVexDocument.Write(await store.ListAsync(includeRevoked: true, cancellationToken).ConfigureAwait(false), "Comb server");

    /// <summary>The live statements as a document a scan reads, or null when there are none.</summary>
    public async Task<ScanDocument?> DocumentAsync(CancellationToken cancellationToken)
    {
        var all = await store.ListAsync(includeRevoked: true, cancellationToken).ConfigureAwait(false);
        return all.Any(s => s.IsLive) ? ScanDocument.FromContent(DocumentName, OpenVexDocument.Write(all, "Comb server")) : null;
    }

    public async Task<ScanOptions> ApplyAsync(ScanOptions options, CancellationToken cancellationToken) =>
        await DocumentAsync(cancellationToken).ConfigureAwait(false) is { } document ? options with { Vex = [.. options.Vex, document] } : options;

    /// <summary>A stored report with the findings the statements judge not affected left out (the report itself is unchanged).</summary>
    public async Task<ScanReport> PresentAsync(ScanReport report, CancellationToken cancellationToken) =>
        await DocumentAsync(cancellationToken).ConfigureAwait(false) is { } document ? Present(report, document) : report;

    /// <summary>Applies the document through the engine's presentation filters (the `--vex` path) and nothing else.</summary>
    public ScanReport Present(ScanReport report, ScanDocument document)
    {
        var options = new ScanOptions { Scanners = VulnOnly, Vex = [document] };
        return filters.Aggregate(report, (current, filter) => filter.Apply(current, options));
    }
}
