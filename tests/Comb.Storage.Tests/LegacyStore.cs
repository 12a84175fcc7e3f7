using System.Globalization;
using Comb.Contracts;

namespace Comb.Storage.Tests;

/// <summary>
/// Writes a scan the way stores of schema 2 did (the whole report in one document, one scan_packages row per package),
/// to check that an upgraded store reads, queries and re-checks such scans like new ones.
/// </summary>
internal static class LegacyStore
{
    public const int SchemaBeforePackageSets = 2;

    public static async Task<string> RecordAsync(ScanStore store, ScanReport report, string id, CancellationToken cancellationToken)
    {
        var created = ScanStore.Timestamp(report.CreatedAt);
        var digest = DigestOf.Image(report.Image);
        await using var connection = await store.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Sql.ExecAsync(connection, transaction, """
            INSERT INTO scans (id, created_at, reference, registry, repository, tag, digest, image_id, db_version, trigger_source, verdict,
                               critical, high, medium, low, unknown, packages, secrets, malware, misconfigs, report)
            VALUES (@id, @created, @ref, @registry, @repo, @tag, @digest, @image, @db, @trigger, NULL, 0, @high, 0, 0, 0, @packages, 0, 0, 0, @report)
            """, cancellationToken, ("id", id), ("created", created), ("ref", report.Image.Reference), ("registry", report.Image.Registry),
            ("repo", $"{report.Image.Registry}/{report.Image.Repository}"), ("tag", report.Image.Tag), ("digest", digest), ("image", report.Image.ConfigDigest),
            ("db", report.AdvisoryDbVersion), ("trigger", report.Trigger), ("high", report.Vulnerabilities.Count), ("packages", report.Packages.Count()),
            ("report", ReportSerializer.Compress(report with { ScanId = id })));
        foreach (var p in report.Packages)
        {
            await Sql.ExecAsync(connection, transaction, "INSERT INTO scan_packages (scan_id, name, version, type, purl, layer, path) VALUES (@s, @n, @v, @t, @p, @l, @f)",
                cancellationToken, ("s", id), ("n", p.Name), ("v", p.Version), ("t", p.Type), ("p", p.Purl), ("l", p.LayerDiffId), ("f", p.Path));
        }

        foreach (var v in report.Vulnerabilities)
        {
            await Sql.ExecAsync(connection, transaction, "INSERT INTO scan_vulns (scan_id, vuln_id, primary_id, package, version, type, severity, fixed, status, layer, path) VALUES (@s, @i, @i, @n, @v, @t, @sev, '', @st, @l, @path)",
                cancellationToken, ("s", id), ("i", v.Id), ("n", v.PackageName), ("v", v.InstalledVersion), ("t", v.PackageType), ("sev", v.Severity.ToUpperName()),
                ("st", v.Status), ("l", v.LayerDiffId), ("path", v.Path));
        }

        await Sql.ExecAsync(connection, transaction, "INSERT INTO image_latest (digest, scan_id, created_at) VALUES (@d, @id, @c)", cancellationToken,
            ("d", digest), ("id", id), ("c", created));
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    public static string Id(int n) => n.ToString("x16", CultureInfo.InvariantCulture);
}
