using System.Globalization;
using System.Text.Json;
using Comb.Contracts;
using Comb.VulnDb.Feeds;
using Microsoft.Data.Sqlite;

namespace Comb.VulnDb.Database;

/// <summary>Read access to a compiled advisory database; one indexed lookup per (ecosystem, package name).</summary>
internal sealed class AdvisoryDatabase : IDisposable
{
    private readonly SqliteConnection _conn;
    private readonly SqliteCommand _affected;
    private readonly SqliteCommand _advisory;
    private readonly SqliteCommand _alias;
    private readonly SqliteCommand _kev;
    private readonly Dictionary<string, Advisory?> _advisoryCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _kevCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _aliasCache = new(StringComparer.Ordinal);

    private AdvisoryDatabase(SqliteConnection conn, AdvisoryDbInfo info)
    {
        _conn = conn;
        Info = info;
        _affected = Command("SELECT advisory_id, ecosystem, package_name, status, severity, ranges, versions FROM affected WHERE ecosystem=$a AND name=$b");
        _advisory = Command("SELECT id, aliases, upstream, related, summary, details, vendor_severity, vendor_severity_source, bare_score, cvss, cwes, refs, published, modified, withdrawn, sources FROM advisories WHERE id=$a");
        _alias = Command("SELECT advisory_id FROM aliases WHERE alias=$a ORDER BY advisory_id");
        _kev = Command("SELECT 1 FROM kev WHERE cve=$a");
    }

    public AdvisoryDbInfo Info { get; }

    /// <summary>The open read-only connection, for the few readers outside the lookups above (change lists).</summary>
    internal SqliteConnection Connection => _conn;

    /// <summary>What changed since the build labelled <paramref name="since"/>, when this build recorded it.</summary>
    public AdvisoryDbChanges? ChangesSince(string since) => AdvisoryDbChanges.Read(_conn, since);

    /// <summary>Opens the database read-only; a missing file or a damaged one is the user's to fix, with the command to run.</summary>
    public static AdvisoryDatabase Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new CombInputException($"no advisory database at {path}: run comb db update or comb db import DIR");
        }

        var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        try
        {
            conn.Open();
            var info = ReadInfo(conn, path);
            return new AdvisoryDatabase(conn, info);
        }
        catch (SqliteException ex)
        {
            conn.Dispose();
            throw new CombInputException($"advisory database is corrupt: {path}: {ex.Message}, run comb db update", ex);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            conn.Dispose();
            throw new CombInputException($"advisory database is corrupt: {path}: {ex.Message}, run comb db update", ex);
        }
    }

    private static AdvisoryDbInfo ReadInfo(SqliteConnection conn, string path)
    {
        // A cut-off file (interrupted copy, full disk) is shorter than its page count says; a full integrity check
        // would read the whole file on every scan.
        using (var check = conn.CreateCommand())
        {
            check.CommandText = "PRAGMA page_count";
            var pages = Convert.ToInt64(check.ExecuteScalar(), CultureInfo.InvariantCulture);
            check.CommandText = "PRAGMA page_size";
            var pageSize = Convert.ToInt64(check.ExecuteScalar(), CultureInfo.InvariantCulture);
            var length = new FileInfo(path).Length;
            if (pages * pageSize > length)
            {
                throw new FormatException($"file is {length} bytes but its pages need {pages * pageSize}");
            }
        }

        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT key, value FROM meta";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                meta[r.GetString(0)] = r.GetString(1);
            }
        }

        if (!meta.TryGetValue("schema_version", out var schemaText) || !int.TryParse(schemaText, CultureInfo.InvariantCulture, out var schema))
        {
            throw new FormatException("no schema version");
        }

        if (schema != AdvisoryDbSchema.Version)
        {
            throw new CombInputException($"advisory database {path} has schema v{schema}, this comb reads v{AdvisoryDbSchema.Version}: run comb db update");
        }

        var sources = new List<AdvisorySourceInfo>();
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT name, records, newest_modified FROM sources ORDER BY name";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                sources.Add(new AdvisorySourceInfo(r.GetString(0), r.GetInt32(1), r.IsDBNull(2) ? null : ParseTime(r.GetString(2))));
            }
        }

        return new AdvisoryDbInfo
        {
            Path = path,
            SchemaVersion = schema,
            BuiltAt = ParseTime(meta.GetValueOrDefault("built_at")) ?? throw new FormatException("no build time"),
            BuildId = meta.GetValueOrDefault("build_id") ?? $"{path}|{new FileInfo(path).Length}|{File.GetLastWriteTimeUtc(path).Ticks}",
            SizeBytes = new FileInfo(path).Length,
            AdvisoryCount = int.TryParse(meta.GetValueOrDefault("advisories"), CultureInfo.InvariantCulture, out var n) ? n : 0,
            Sources = sources,
        };
    }

    /// <summary>Affected entries for one package in one ecosystem (name already normalised).</summary>
    public IReadOnlyList<AffectedRow> FindAffected(string ecosystem, string normalizedName)
    {
        _affected.Parameters["$a"].Value = ecosystem;
        _affected.Parameters["$b"].Value = normalizedName;
        List<AffectedRow>? rows = null;
        using var r = _affected.ExecuteReader();
        while (r.Read())
        {
            rows ??= [];
            rows.Add(new AffectedRow(
                r.GetString(0),
                r.GetString(1),
                r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3),
                (Severity)r.GetInt32(4),
                r.IsDBNull(5) ? [] : JsonSerializer.Deserialize(r.GetString(5), AdvisoryRowJson.Default.ListAffectedRange) ?? [],
                r.IsDBNull(6) ? [] : JsonSerializer.Deserialize(r.GetString(6), AdvisoryRowJson.Default.ListString) ?? []));
        }

        return rows ?? (IReadOnlyList<AffectedRow>)[];
    }

    public Advisory? GetAdvisory(string id)
    {
        if (_advisoryCache.TryGetValue(id, out var cached))
        {
            return cached;
        }

        _advisory.Parameters["$a"].Value = id;
        Advisory? advisory = null;
        using (var r = _advisory.ExecuteReader())
        {
            if (r.Read())
            {
                advisory = new Advisory
                {
                    Id = r.GetString(0),
                    Aliases = List(r.GetString(1)),
                    Upstream = List(r.GetString(2)),
                    Related = List(r.GetString(3)),
                    Summary = r.IsDBNull(4) ? null : r.GetString(4),
                    Details = r.IsDBNull(5) ? null : r.GetString(5),
                    VendorSeverity = (Severity)r.GetInt32(6),
                    VendorSeveritySource = r.IsDBNull(7) ? null : r.GetString(7),
                    BareScore = r.IsDBNull(8) ? null : r.GetDouble(8),
                    Cvss = JsonSerializer.Deserialize(r.GetString(9), AdvisoryRowJson.Default.ListCvssVector) ?? [],
                    Cwes = List(r.GetString(10)),
                    References = List(r.GetString(11)),
                    Published = r.IsDBNull(12) ? null : ParseTime(r.GetString(12)),
                    Modified = r.IsDBNull(13) ? null : ParseTime(r.GetString(13)),
                    Withdrawn = r.IsDBNull(14) ? null : ParseTime(r.GetString(14)),
                };
                advisory.Sources.UnionWith(List(r.GetString(15)));
            }
        }

        _advisoryCache[id] = advisory;
        return advisory;
    }

    /// <summary>Advisories that name <paramref name="id"/> as an alias or upstream id (e.g. every record about one CVE).</summary>
    public IReadOnlyList<string> FindByAlias(string id)
    {
        if (_aliasCache.TryGetValue(id, out var cached))
        {
            return cached;
        }

        _alias.Parameters["$a"].Value = id;
        var ids = new List<string>();
        _aliasCache[id] = ids;
        using var r = _alias.ExecuteReader();
        while (r.Read())
        {
            ids.Add(r.GetString(0));
        }

        return ids;
    }

    public bool IsKnownExploited(string cve)
    {
        if (!_kevCache.TryGetValue(cve, out var known))
        {
            _kev.Parameters["$a"].Value = cve;
            known = _kev.ExecuteScalar() is not null;
            _kevCache[cve] = known;
        }

        return known;
    }

    /// <summary>Published, non-secret values the secret scanner leaves out.</summary>
    public IReadOnlyList<string> PublishedSecretValues()
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = "SELECT value FROM published_secrets ORDER BY value";
        using var r = cmd.ExecuteReader();
        var values = new List<string>();
        while (r.Read())
        {
            values.Add(r.GetString(0));
        }

        return values;
    }

    public void Dispose()
    {
        _affected.Dispose();
        _advisory.Dispose();
        _alias.Dispose();
        _kev.Dispose();
        _conn.Dispose();
    }

    private SqliteCommand Command(string sql)
    {
        var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.Add(new SqliteParameter("$a", ""));
        if (sql.Contains("$b", StringComparison.Ordinal))
        {
            cmd.Parameters.Add(new SqliteParameter("$b", ""));
        }

        cmd.Prepare();
        return cmd;
    }

    private static List<string> List(string json) => JsonSerializer.Deserialize(json, AdvisoryRowJson.Default.ListString) ?? [];

    private static DateTimeOffset? ParseTime(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUniversalTime() : null;
}

/// <summary>One affected entry as stored: ranges and versions for one package of one advisory.</summary>
internal sealed record AffectedRow(
    string AdvisoryId,
    string Ecosystem,
    string PackageName,
    string? Status,
    Severity Severity,
    IReadOnlyList<AffectedRange> Ranges,
    IReadOnlyList<string> Versions);
