using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// Which parts of a stored scan a reader judges besides its vulnerability findings. A part left out is read as empty;
/// the image is then known by its reference alone.
/// </summary>
public sealed record JudgedParts(bool ImageNames, bool Secrets, bool Malware, bool Misconfigurations, bool Trust);

public sealed partial class ScanStore
{
    /// <summary>
    /// Stored scans reduced to what a policy judges (findings of every kind asked for, trust, the image's names), read
    /// together: the findings from their shared finding sets, and a report document decoded only when the scan keeps
    /// its findings there or holds a part asked for (by the scan's own counts). No inventory is read. In the order
    /// asked; a scan that is gone is left out.
    /// </summary>
    public async Task<IReadOnlyList<(ScanSummary Scan, ScanReport Report)>> ReadForJudgingAsync(IReadOnlyList<ScanSummary> scans, JudgedParts parts, CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        var ids = scans.Select(s => s.Id).Distinct(StringComparer.Ordinal).ToList();
        var findings = await _findings.ReadManyAsync(connection, ids, cancellationToken).ConfigureAwait(false);
        var wanted = scans.Where(s => NeedsDocument(s, parts, findings.ContainsKey(s.Id))).Select(s => s.Id).Distinct(StringComparer.Ordinal).ToList();
        // A repeat keeps no document of its own: it reads the one of the scan it repeats.
        var documents = (await Sql.QueryInAsync(connection,
                "SELECT s.id, COALESCE(o.report, s.report) FROM scans s LEFT JOIN scans o ON o.id = s.same_as WHERE s.id IN ({keys})", wanted,
                r => (Id: r.GetString(0), Document: ReportSerializer.DecompressAs<JudgedDocument>((byte[])r[1])), cancellationToken).ConfigureAwait(false))
            .ToDictionary(d => d.Id, d => d.Document, StringComparer.Ordinal);

        var judged = new List<(ScanSummary, ScanReport)>(scans.Count);
        foreach (var scan in scans)
        {
            // A scan pruned since it was listed has neither finding sets nor a document (they go in one transaction).
            var document = documents.GetValueOrDefault(scan.Id);
            if (document is null && !findings.ContainsKey(scan.Id))
            {
                continue;
            }

            judged.Add((scan, new ScanReport
            {
                ScanId = scan.Id,
                CreatedAt = scan.CreatedAt,
                ToolVersion = "",
                Image = document?.Image?.ToMetadata() ?? JudgedImage.Named(scan.Reference),
                Vulnerabilities = findings.TryGetValue(scan.Id, out var f) ? f : document?.Vulnerabilities ?? [],
                Secrets = parts.Secrets ? document?.Secrets ?? [] : [],
                Malware = parts.Malware ? document?.Malware ?? [] : [],
                Misconfigurations = parts.Misconfigurations ? document?.Misconfigurations ?? [] : [],
                Trust = parts.Trust ? document?.Trust : null,
            }));
        }

        return judged;
    }

    /// <summary>The report document is read only when something judged lives there and the scan has some of it.</summary>
    private static bool NeedsDocument(ScanSummary scan, JudgedParts parts, bool hasFindingSets) =>
        !hasFindingSets || parts.ImageNames || parts.Trust
        || (parts.Secrets && scan.Secrets > 0) || (parts.Malware && scan.Malware > 0) || (parts.Misconfigurations && scan.Misconfigurations > 0);

    /// <summary>The parts of a stored report document a policy judges; every other member is skipped unread.</summary>
    private sealed record JudgedDocument
    {
        public JudgedImage? Image { get; init; }
        public IReadOnlyList<VulnerabilityFinding>? Vulnerabilities { get; init; }
        public IReadOnlyList<SecretFinding>? Secrets { get; init; }
        public IReadOnlyList<MalwareFinding>? Malware { get; init; }
        public IReadOnlyList<ConfigFinding>? Misconfigurations { get; init; }
        public TrustResult? Trust { get; init; }
    }

    /// <summary>The image's names (what an image exception matches); its config and layers are not read.</summary>
    private sealed record JudgedImage
    {
        public string Reference { get; init; } = "";
        public string? Registry { get; init; }
        public string? Repository { get; init; }
        public string? Tag { get; init; }
        public string? ManifestDigest { get; init; }
        public string? ConfigDigest { get; init; }
        public string? SourceKind { get; init; }

        public static ImageMetadata Named(string reference) => new JudgedImage { Reference = reference }.ToMetadata();

        public ImageMetadata ToMetadata() => new()
        {
            Reference = Reference, Registry = Registry, Repository = Repository, Tag = Tag, ManifestDigest = ManifestDigest,
            ConfigDigest = ConfigDigest ?? "", SourceKind = SourceKind ?? "", Platform = new ImagePlatform("", ""), Config = new ImageConfig(), Layers = [],
        };
    }
}
