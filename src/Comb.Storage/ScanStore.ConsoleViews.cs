namespace Comb.Storage;

/// <summary>A container the runtime watch recorded, with the verdict of its image's newest stored scan and the digest that scan is stored under.</summary>
public sealed record RuntimeContainerRow(RuntimeContainerRecord Container, string? ImageVerdict, string? ScannedDigest);

/// <summary>One page of the runtime containers the console lists, and how many there are of each kind.</summary>
public sealed record RuntimeContainerPage(IReadOnlyList<RuntimeContainerRow> Items, long Total, long Running, long Drifted, long Stopped);

public sealed partial class ScanStore
{
    /// <summary>The console's views of the runtime watch's containers.</summary>
    public static readonly IReadOnlyList<string> RuntimeViews = ["running", "drifted", "stopped", "all"];

    /// <summary>
    /// A page of containers: running (default), drifted (running and drifted), stopped, or all; drifted first, then by
    /// source, namespace and name. Each row carries its image's verdict from one join (the newest scan of the image's
    /// digest, else the scan the watch mapped it to), so a page costs two queries whatever its length.
    /// </summary>
    public async Task<RuntimeContainerPage> RuntimeContainerPageAsync(string? view, int offset, int limit, CancellationToken cancellationToken)
    {
        var where = view switch
        {
            "drifted" => "WHERE rc.running = 1 AND rc.drifted = 1",
            "stopped" => "WHERE rc.running = 0",
            "all" => "",
            _ => "WHERE rc.running = 1",
        };
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        var counts = (await Sql.QueryAsync(connection, """
            SELECT COUNT(*), COALESCE(SUM(CASE WHEN running = 1 THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN running = 1 AND drifted = 1 THEN 1 ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN running = 0 THEN 1 ELSE 0 END), 0)
            FROM runtime_containers
            """, r => (All: Long(r, 0), Running: Long(r, 1), Drifted: Long(r, 2), Stopped: Long(r, 3)), cancellationToken).ConfigureAwait(false))[0];
        var items = await Sql.QueryAsync(connection, $"""
            SELECT rc.source, rc.runtime, rc.namespace, rc.container_id, rc.name, rc.image, rc.image_digest, rc.image_scan_id, rc.running, rc.drifted, rc.drift_files,
                   rc.drift_digest, rc.severity, rc.mutable_reference, rc.first_seen, rc.last_seen, rc.drift_since, rc.report,
                   COALESCE(latest.verdict, mapped.verdict), COALESCE(latest.digest, mapped.digest)
            FROM runtime_containers rc
            LEFT JOIN image_latest l ON l.digest = rc.image_digest
            LEFT JOIN scans latest ON latest.id = l.scan_id
            LEFT JOIN scans mapped ON mapped.id = rc.image_scan_id
            {where}
            ORDER BY rc.drifted DESC, rc.source, rc.namespace, rc.name, rc.container_id LIMIT @limit OFFSET @offset
            """, r => new RuntimeContainerRow(ReadRuntime(r), Nullable(r, 18), Nullable(r, 19)), cancellationToken,
            ("limit", Math.Clamp(limit, 1, 500)), ("offset", Math.Max(0, offset))).ConfigureAwait(false);
        var total = view switch { "drifted" => counts.Drifted, "stopped" => counts.Stopped, "all" => counts.All, _ => counts.Running };
        return new RuntimeContainerPage(items, total, counts.Running, counts.Drifted, counts.Stopped);
    }

    /// <summary>
    /// The stored scans a page of images refers to, in two queries whatever the page's length: the newest scan of each
    /// digest (by <c>image_latest</c>), and each scan named by id. Unknown digests and ids are left out.
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, ScanSummary> ByDigest, IReadOnlyDictionary<string, ScanSummary> ById)> ScansOfAsync(
        IReadOnlyCollection<string> digests, IReadOnlyCollection<string> scanIds, CancellationToken cancellationToken)
    {
        var byDigest = new Dictionary<string, ScanSummary>(StringComparer.Ordinal);
        var byId = new Dictionary<string, ScanSummary>(StringComparer.Ordinal);
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        if (digests.Count > 0)
        {
            var parameters = digests.Distinct(StringComparer.Ordinal).Select((d, i) => ($"d{i}", (object?)d)).ToArray();
            var rows = await Sql.QueryAsync(connection, $"""
                SELECT {Prefixed("s")}, l.digest FROM image_latest l JOIN scans s ON s.id = l.scan_id WHERE l.digest IN ({string.Join(", ", parameters.Select(p => "@" + p.Item1))})
                """, r => (Digest: r.GetString(18), Summary: ReadSummary(r)), cancellationToken, parameters).ConfigureAwait(false);
            foreach (var (digest, summary) in rows)
            {
                byDigest[digest] = summary;
            }
        }

        if (scanIds.Count > 0)
        {
            var parameters = scanIds.Distinct(StringComparer.Ordinal).Select((id, i) => ($"i{i}", (object?)id)).ToArray();
            var rows = await Sql.QueryAsync(connection, $"SELECT {SummaryColumns} FROM scans WHERE id IN ({string.Join(", ", parameters.Select(p => "@" + p.Item1))})",
                ReadSummary, cancellationToken, parameters).ConfigureAwait(false);
            foreach (var summary in rows)
            {
                byId[summary.Id] = summary;
            }
        }

        return (byDigest, byId);
    }
}
