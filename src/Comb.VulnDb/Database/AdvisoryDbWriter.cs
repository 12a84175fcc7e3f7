using System.Globalization;
using System.Text.Json;
using Comb.VulnDb.Feeds;
using Comb.VulnDb.Matching;
using Microsoft.Data.Sqlite;

namespace Comb.VulnDb.Database;

/// <summary>
/// Compiles loaded feeds into the SQLite database: written to a temporary file beside the live one, then moved over it
/// in one rename, so a reader never sees a half-built file and an interrupted build leaves the old database working.
/// </summary>
internal static class AdvisoryDbWriter
{
    public static async Task<AdvisoryDbInfo> BuildAsync(AdvisoryCollection feeds, string dbPath, TimeProvider time, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(dbPath);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var changes = AdvisoryDbChangeRecorder.ForPrevious(full);
            await WriteAsync(feeds, temp, time.GetUtcNow(), changes, cancellationToken);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }

        using var db = AdvisoryDatabase.Open(full);
        return db.Info;
    }

    private static async Task WriteAsync(AdvisoryCollection feeds, string path, DateTimeOffset builtAt, AdvisoryDbChangeRecorder changes, CancellationToken cancellationToken)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        await using var conn = new SqliteConnection(cs);
        await conn.OpenAsync(cancellationToken);
        await ExecAsync(conn, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;", cancellationToken);
        await ExecAsync(conn, AdvisoryDbSchema.Create + AdvisoryDbChangeRecorder.Create, cancellationToken);

        await using (var tx = (SqliteTransaction)await conn.BeginTransactionAsync(cancellationToken))
        {
            using var adv = Prepare(conn, tx, "INSERT INTO advisories VALUES($id,$aliases,$upstream,$related,$summary,$details,$vs,$vss,$bare,$cvss,$cwes,$refs,$pub,$mod,$wd,$src)");
            using var aff = Prepare(conn, tx, "INSERT INTO affected VALUES($adv,$eco,$name,$pname,$purl,$status,$sev,$ranges,$versions)");
            using var alias = Prepare(conn, tx, "INSERT INTO aliases VALUES($alias,$adv)");
            using var digests = Prepare(conn, tx, "INSERT INTO advisory_digests VALUES($id,$digest)");
            foreach (var a in feeds.Advisories.OrderBy(a => a.Id, StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                Set(adv, "$id", a.Id);
                Set(adv, "$aliases", Json(a.Aliases));
                Set(adv, "$upstream", Json(a.Upstream));
                Set(adv, "$related", Json(a.Related));
                Set(adv, "$summary", a.Summary);
                Set(adv, "$details", a.Details);
                Set(adv, "$vs", (int)a.VendorSeverity);
                Set(adv, "$vss", a.VendorSeveritySource);
                Set(adv, "$bare", a.BareScore);
                Set(adv, "$cvss", JsonSerializer.Serialize(a.Cvss));
                Set(adv, "$cwes", Json(a.Cwes));
                Set(adv, "$refs", Json(a.References));
                Set(adv, "$pub", Iso(a.Published));
                Set(adv, "$mod", Iso(a.Modified));
                Set(adv, "$wd", Iso(a.Withdrawn));
                Set(adv, "$src", Json([.. a.Sources]));
                adv.ExecuteNonQuery();
                var stored = new List<object?>(Values(adv));

                // Related CVEs too: distro errata (ALSA) name their CVEs only there; the matcher checks relevance.
                var related = a.Related.Where(r => r.StartsWith("CVE-", StringComparison.Ordinal));
                foreach (var id in a.Aliases.Concat(a.Upstream).Concat(related).Distinct(StringComparer.Ordinal))
                {
                    Set(alias, "$alias", id);
                    Set(alias, "$adv", a.Id);
                    alias.ExecuteNonQuery();
                }

                foreach (var e in a.Affected)
                {
                    Set(aff, "$adv", a.Id);
                    Set(aff, "$eco", e.Ecosystem);
                    Set(aff, "$name", PackageNames.Normalize(e.Ecosystem, e.Name));
                    Set(aff, "$pname", e.Name);
                    Set(aff, "$purl", e.Purl);
                    Set(aff, "$status", e.Status);
                    Set(aff, "$sev", (int)e.Severity);
                    Set(aff, "$ranges", e.Ranges.Count == 0 ? null : JsonSerializer.Serialize(e.Ranges));
                    Set(aff, "$versions", e.Versions.Count == 0 ? null : Json(e.Versions));
                    aff.ExecuteNonQuery();
                    stored.AddRange(Values(aff));
                }

                // What the record is stored as, so the next build can tell whether it changed.
                var digest = AdvisoryDbChangeRecorder.Digest(stored);
                Set(digests, "$id", a.Id);
                Set(digests, "$digest", digest);
                digests.ExecuteNonQuery();
                changes.Observe(a, digest);
            }

            using var kev = Prepare(conn, tx, "INSERT OR REPLACE INTO kev VALUES($cve,$vendor,$product,$name,$added,$due,$action,$ransom)");
            using var kevDigests = Prepare(conn, tx, "INSERT OR REPLACE INTO kev_digests VALUES($cve,$digest)");
            foreach (var k in feeds.Kev)
            {
                Set(kev, "$cve", k.CveId);
                Set(kev, "$vendor", k.Vendor);
                Set(kev, "$product", k.Product);
                Set(kev, "$name", k.Name);
                Set(kev, "$added", k.DateAdded);
                Set(kev, "$due", k.DueDate);
                Set(kev, "$action", k.RequiredAction);
                Set(kev, "$ransom", k.RansomwareUse);
                kev.ExecuteNonQuery();
                var kevDigest = AdvisoryDbChangeRecorder.Digest(Values(kev));
                Set(kevDigests, "$cve", k.CveId);
                Set(kevDigests, "$digest", kevDigest);
                kevDigests.ExecuteNonQuery();
                changes.ObserveKev(k.CveId, kevDigest);
            }

            using var published = Prepare(conn, tx, "INSERT INTO published_secrets VALUES($value)");
            foreach (var value in feeds.PublishedSecretValues)
            {
                Set(published, "$value", value);
                published.ExecuteNonQuery();
            }

            using var src = Prepare(conn, tx, "INSERT INTO sources VALUES($name,$records,$newest)");
            foreach (var (name, stats) in feeds.Sources.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                Set(src, "$name", name);
                Set(src, "$records", stats.Records);
                Set(src, "$newest", Iso(stats.NewestModified));
                src.ExecuteNonQuery();
            }

            using var meta = Prepare(conn, tx, "INSERT INTO meta VALUES($key,$value)");
            foreach (var (key, value) in new[]
                     {
                         ("schema_version", AdvisoryDbSchema.Version.ToString(CultureInfo.InvariantCulture)),
                         ("built_at", Iso(builtAt)!),
                         ("advisories", feeds.Count.ToString(CultureInfo.InvariantCulture)),
                         ("build_id", Guid.NewGuid().ToString("N")),
                     })
            {
                Set(meta, "$key", key);
                Set(meta, "$value", value);
                meta.ExecuteNonQuery();
            }

            changes.Write(conn, tx, AdvisoryDbInfo.Label(AdvisoryDbSchema.Version, builtAt));
            await tx.CommitAsync(cancellationToken);
        }

        await ExecAsync(conn, AdvisoryDbSchema.Indexes + $"\nPRAGMA user_version={AdvisoryDbSchema.Version}; ANALYZE;", cancellationToken);
    }

    internal static string? Iso(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Json(IEnumerable<string> list) => JsonSerializer.Serialize(list);

    private static SqliteCommand Prepare(SqliteConnection conn, SqliteTransaction tx, string sql)
    {
        var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        var i = sql.IndexOf('$', StringComparison.Ordinal);
        while (i >= 0)
        {
            var end = i + 1;
            while (end < sql.Length && (char.IsAsciiLetterOrDigit(sql[end]) || sql[end] == '_'))
            {
                end++;
            }

            cmd.Parameters.Add(new SqliteParameter(sql[i..end], null));
            i = sql.IndexOf('$', end);
        }

        cmd.Prepare();
        return cmd;
    }

    private static IEnumerable<object?> Values(SqliteCommand cmd) => cmd.Parameters.Cast<SqliteParameter>().Select(p => p.Value);

    private static void Set(SqliteCommand cmd, string name, object? value) => cmd.Parameters[name].Value = value ?? DBNull.Value;

    private static async Task ExecAsync(SqliteConnection conn, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }
}
