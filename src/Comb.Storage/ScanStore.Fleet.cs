using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Comb.Storage;

/// <summary>How many of the fleet's images (newest scan of each) carry each severity, kind and verdict.</summary>
public sealed record FleetOverview
{
    public long Images { get; init; }
    public long Scans { get; init; }
    public IReadOnlyDictionary<string, long> Verdicts { get; init; } = new Dictionary<string, long>();
    public long Critical { get; init; }
    public long High { get; init; }
    public long Medium { get; init; }
    public long Low { get; init; }
    public long Unknown { get; init; }
    public long Secrets { get; init; }
    public long Malware { get; init; }
    public long Misconfigurations { get; init; }
    public long Untrusted { get; init; }
    public long Fixable { get; init; }
    public long KnownExploited { get; init; }

    public long Vulnerabilities => Critical + High + Medium + Low + Unknown;
}

/// <summary>A vulnerability and how many images (newest scans) it affects.</summary>
public sealed record CveCount(string Id, string? Severity, long Images, bool KnownExploited, bool Fixable);

/// <summary>Open vulnerabilities by severity on one day: the sum over images of the newest scan made by the end of that day.</summary>
public sealed record TrendPoint(DateOnly Day, long Critical, long High, long Medium, long Low, long Unknown);

/// <summary>Which images the console's table shows; every field is optional.</summary>
public sealed record ImageFilter
{
    public string? Repository { get; init; }
    public string? Tag { get; init; }

    /// <summary>At least one vulnerability of this severity or worse (CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN).</summary>
    public string? Severity { get; init; }

    /// <summary>pass, warn, block, or "none" for scans without a policy.</summary>
    public string? Verdict { get; init; }

    public bool HasFix { get; init; }
    public bool HasSecretsOrMalware { get; init; }
    public DateTimeOffset? ScannedBefore { get; init; }
    public DateTimeOffset? ScannedAfter { get; init; }

    /// <summary>A vulnerability id, a package name (or name@version), a digest prefix, or part of a reference.</summary>
    public string? Search { get; init; }

    /// <summary>reference (default), risk or scanned.</summary>
    public string? Sort { get; init; }
    public int Offset { get; init; }
    public int Limit { get; init; } = 50;
}

/// <summary>One page of the images table and how many images match in all.</summary>
public sealed record ImagePage(IReadOnlyList<ScanSummary> Items, long Total);

public sealed partial class ScanStore
{
    /// <summary>Weight of each count in an image's risk: malware first, then known secrets, then severities.</summary>
    private const string RiskExpression = "(s.malware * 100000 + s.critical * 1000 + s.secrets * 500 + s.high * 100 + s.medium * 10 + s.low)";

    private static readonly string[] SeverityOrder = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];

    /// <summary>Fleet totals over the newest scan of every image, by SQL aggregates (no report is read).</summary>
    public async Task<FleetOverview> OverviewAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        var totals = await Sql.QueryAsync(connection, """
            SELECT COUNT(*), COALESCE(SUM(s.critical), 0), COALESCE(SUM(s.high), 0), COALESCE(SUM(s.medium), 0), COALESCE(SUM(s.low), 0),
                   COALESCE(SUM(s.unknown), 0), COALESCE(SUM(s.secrets), 0), COALESCE(SUM(s.malware), 0), COALESCE(SUM(s.misconfigs), 0),
                   COALESCE(SUM(CASE WHEN s.trust = 'untrusted' THEN 1 ELSE 0 END), 0), (SELECT COUNT(*) FROM scans)
            FROM image_latest l JOIN scans s ON s.id = l.scan_id
            """, r => Enumerable.Range(0, 11).Select(i => Long(r, i)).ToArray(), cancellationToken).ConfigureAwait(false);
        var verdicts = await Sql.QueryAsync(connection, """
            SELECT COALESCE(s.verdict, 'none'), COUNT(*) FROM image_latest l JOIN scans s ON s.id = l.scan_id GROUP BY COALESCE(s.verdict, 'none')
            """, r => (r.GetString(0), Long(r, 1)), cancellationToken).ConfigureAwait(false);

        // The primary row of each finding (vuln_id = primary_id) counts it once, whatever its aliases.
        var findings = await Sql.QueryAsync(connection, $"""
            SELECT COALESCE(SUM(CASE WHEN v.fixed <> '' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN v.kev = 1 THEN 1 ELSE 0 END), 0)
            FROM ({LatestPrimaryFindings("fixed, kev")}) v
            """, r => (Long(r, 0), Long(r, 1)), cancellationToken).ConfigureAwait(false);
        var t = totals[0];
        return new FleetOverview
        {
            Images = t[0], Critical = t[1], High = t[2], Medium = t[3], Low = t[4], Unknown = t[5], Secrets = t[6], Malware = t[7], Misconfigurations = t[8],
            Untrusted = t[9], Scans = t[10], Verdicts = verdicts.ToDictionary(v => v.Item1, v => v.Item2, StringComparer.Ordinal),
            Fixable = findings[0].Item1, KnownExploited = findings[0].Item2,
        };
    }

    /// <summary>
    /// The primary row of each finding of every image's newest scan, with the image's digest: each of the two places a
    /// finding is stored (with its scan, a row per id; or in a shared finding set, a row per finding) joined by itself. Going through the
    /// scan_finding_rows view instead makes SQLite materialise every finding row of every scan before the join.
    /// </summary>
    private static string LatestPrimaryFindings(string columns)
    {
        var prefixed = (string alias) => string.Join(", ", columns.Split(", ").Select(c => $"{alias}.{c}"));
        return $"""
            SELECT l.digest, {prefixed("v")} FROM image_latest l JOIN scan_vulns v ON v.scan_id = l.scan_id WHERE v.vuln_id = v.primary_id
            UNION ALL
            SELECT l.digest, {prefixed("f")} FROM image_latest l JOIN scan_findings r ON r.scan_id = l.scan_id JOIN finding_rows f ON f.set_digest = r.set_digest
            """;
    }

    /// <summary>The vulnerabilities that affect the most images (newest scans), most first.</summary>
    public async Task<IReadOnlyList<CveCount>> TopVulnerabilitiesAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, $"""
            SELECT v.primary_id, MIN(CASE v.severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2 WHEN 'LOW' THEN 3 ELSE 4 END), COUNT(DISTINCT v.digest), MAX(COALESCE(v.kev, 0)), MAX(CASE WHEN v.fixed <> '' THEN 1 ELSE 0 END)
            FROM ({LatestPrimaryFindings("primary_id, severity, kev, fixed")}) v
            GROUP BY v.primary_id ORDER BY COUNT(DISTINCT v.digest) DESC, v.primary_id LIMIT @limit
            """, r => new CveCount(r.GetString(0), SeverityOrder[(int)Long(r, 1)], Long(r, 2), Long(r, 3) == 1, Long(r, 4) == 1), cancellationToken, ("limit", limit)).ConfigureAwait(false);
    }

    /// <summary>The images with the highest risk (malware, then critical, secrets, high...), riskiest first.</summary>
    public async Task<IReadOnlyList<ScanSummary>> RiskiestAsync(int limit, CancellationToken cancellationToken)
    {
        var page = await ImagesAsync(new ImageFilter { Sort = "risk", Limit = limit }, cancellationToken).ConfigureAwait(false);
        return [.. page.Items.Where(s => s.Critical + s.High + s.Medium + s.Low + s.Unknown + s.Secrets + s.Malware > 0)];
    }

    /// <summary>Open vulnerabilities by severity for each of the last <paramref name="days"/> days up to <paramref name="today"/>.</summary>
    public async Task<IReadOnlyList<TrendPoint>> TrendAsync(DateOnly today, int days, CancellationToken cancellationToken)
    {
        var dayList = Enumerable.Range(0, days).Select(i => today.AddDays(i - days + 1)).ToList();
        var values = string.Join(", ", dayList.Select((_, i) => $"(@d{i})"));
        var parameters = dayList.Select((d, i) => ($"d{i}", (object?)Timestamp(new DateTimeOffset(d.ToDateTime(TimeOnly.MaxValue), TimeSpan.Zero)))).ToArray();

        // A scan is an image's open state from its time until the image's next scan.
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, $"""
            WITH days (d) AS (VALUES {values}),
                 spans AS (SELECT created_at, LEAD(created_at) OVER (PARTITION BY digest ORDER BY created_at, id) AS next_at,
                                  critical, high, medium, low, unknown FROM scans)
            SELECT days.d, COALESCE(SUM(critical), 0), COALESCE(SUM(high), 0), COALESCE(SUM(medium), 0), COALESCE(SUM(low), 0), COALESCE(SUM(unknown), 0)
            FROM days LEFT JOIN spans ON spans.created_at <= days.d AND (spans.next_at IS NULL OR spans.next_at > days.d)
            GROUP BY days.d ORDER BY days.d
            """, r => new TrendPoint(DateOnly.FromDateTime(ParseTimestamp(r.GetString(0)).UtcDateTime), Long(r, 1), Long(r, 2), Long(r, 3), Long(r, 4), Long(r, 5)),
            cancellationToken, parameters).ConfigureAwait(false);
        return rows;
    }

    /// <summary>One page of images (newest scan of each) matching a filter, paged and sorted in SQL.</summary>
    public async Task<ImagePage> ImagesAsync(ImageFilter filter, CancellationToken cancellationToken)
    {
        var where = new StringBuilder("WHERE 1 = 1");
        var parameters = new List<(string, object?)>();
        void Add(string clause, params (string, object?)[] values)
        {
            where.Append(" AND ").Append(clause);
            parameters.AddRange(values);
        }

        if (!string.IsNullOrWhiteSpace(filter.Repository))
        {
            Add("s.repository = @repo", ("repo", filter.Repository.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(filter.Tag))
        {
            Add("s.tag = @tag", ("tag", filter.Tag.Trim()));
        }

        if (filter.Severity is { } severity && Array.IndexOf(SeverityOrder, severity.ToUpperInvariant()) is var rank and >= 0)
        {
            Add("(" + string.Join(" + ", SeverityOrder.Take(rank + 1).Select(c => "s." + c.ToLowerInvariant())) + ") > 0");
        }

        if (!string.IsNullOrWhiteSpace(filter.Verdict))
        {
            Add(filter.Verdict == "none" ? "s.verdict IS NULL" : "s.verdict = @verdict", ("verdict", filter.Verdict));
        }

        if (filter.HasFix)
        {
            // Each storage of findings by itself: a correlated probe into the two-table view would read all of it.
            Add("""
                (EXISTS (SELECT 1 FROM scan_vulns v WHERE v.scan_id = s.id AND v.fixed <> '')
                 OR EXISTS (SELECT 1 FROM scan_findings r JOIN finding_rows f ON f.set_digest = r.set_digest WHERE r.scan_id = s.id AND f.fixed <> ''))
                """);
        }

        if (filter.HasSecretsOrMalware)
        {
            Add("(s.secrets > 0 OR s.malware > 0)");
        }

        if (filter.ScannedBefore is { } before)
        {
            Add("s.created_at < @before", ("before", Timestamp(before)));
        }

        if (filter.ScannedAfter is { } after)
        {
            Add("s.created_at >= @after", ("after", Timestamp(after)));
        }

        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            AddSearch(filter.Search.Trim(), Add);
        }

        var order = filter.Sort switch
        {
            "risk" => $"{RiskExpression} DESC, s.reference, s.digest",
            "scanned" => "s.created_at DESC, s.digest",
            _ => "s.reference, s.digest",
        };
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        var from = $"FROM image_latest l JOIN scans s ON s.id = l.scan_id {where}";
        var total = await Sql.QueryAsync(connection, $"SELECT COUNT(*) {from}", r => Long(r, 0), cancellationToken, [.. parameters]).ConfigureAwait(false);
        var items = await Sql.QueryAsync(connection, $"SELECT {Prefixed("s")} {from} ORDER BY {order} LIMIT @limit OFFSET @offset", ReadSummary, cancellationToken,
            [.. parameters, ("limit", Math.Clamp(filter.Limit, 1, 500)), ("offset", Math.Max(filter.Offset, 0))]).ConfigureAwait(false);
        return new ImagePage(items, total[0]);
    }

    /// <summary>A search term: a digest (prefix), a vulnerability id or alias, a package name or name@version, or part of a reference.</summary>
    private static void AddSearch(string term, Action<string, (string, object?)[]> add)
    {
        if (term.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            add("(s.digest LIKE @q ESCAPE '\\' OR s.image_id LIKE @q ESCAPE '\\')", [("q", Like(term.ToLowerInvariant()) + "%")]);
            return;
        }

        var query = ImpactQuery.Parse(term);
        if (query.IsVulnerabilityId)
        {
            add("s.id IN (SELECT scan_id FROM scan_finding_rows WHERE vuln_id = @q)", [("q", term)]);
            return;
        }

        var version = query.PackageVersion is null ? "" : " AND version = @qv";
        add($"""
            (s.id IN (SELECT scan_id FROM scan_finding_rows WHERE package = @qn{version}
                      UNION SELECT scan_id FROM scan_packages WHERE name = @qn{version}
                      UNION SELECT r.scan_id FROM scan_sets r JOIN set_packages p ON p.set_digest = r.set_digest WHERE p.name = @qn{version.Replace("version", "p.version", StringComparison.Ordinal)})
             OR s.reference LIKE @qr ESCAPE '\')
            """, query.PackageVersion is null ? [("qn", query.PackageName), ("qr", "%" + Like(term) + "%")]
                : [("qn", query.PackageName), ("qv", query.PackageVersion), ("qr", "%" + Like(term) + "%")]);
    }

    private static string Like(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static long Long(DbDataReader r, int i) => r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
}
