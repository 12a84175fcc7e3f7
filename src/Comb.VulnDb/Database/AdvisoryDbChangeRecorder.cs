using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Comb.VulnDb.Feeds;
using Comb.VulnDb.Matching;
using Microsoft.Data.Sqlite;

namespace Comb.VulnDb.Database;

/// <summary>
/// Records, while a new build is written, what changed since the build it replaces: each record's content digest is
/// compared with the one the old build stored; a changed, added or removed record adds the packages it names (old and
/// new) and the ids it is known by; a changed KEV entry adds its CVE. The old build's own change lists are carried
/// forward, so a scan matched against any of the last few builds can be brought up to date from its own version.
/// </summary>
internal sealed class AdvisoryDbChangeRecorder
{
    /// <summary>How many earlier builds a database keeps changes for.</summary>
    public const int KeptBases = 8;

    public const string Create = """
        CREATE TABLE advisory_digests(id TEXT PRIMARY KEY, digest TEXT NOT NULL);
        CREATE TABLE kev_digests(cve TEXT PRIMARY KEY, digest TEXT NOT NULL);
        CREATE TABLE changes(since TEXT NOT NULL, kind TEXT NOT NULL, ecosystem TEXT NOT NULL, value TEXT NOT NULL);
        CREATE UNIQUE INDEX changes_key ON changes(since, kind, ecosystem, value);
        """;

    private const string KindBase = "base";

    private readonly string? _previousPath;
    private readonly string? _previousLabel;
    private readonly Dictionary<string, string>? _previousDigests;
    private readonly Dictionary<string, string>? _previousKev;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lookUpOld = new(StringComparer.Ordinal);
    private readonly HashSet<(string Ecosystem, string Name)> _names = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _kev = new(StringComparer.Ordinal);

    private AdvisoryDbChangeRecorder(string? path, string? label, Dictionary<string, string>? digests, Dictionary<string, string>? kev)
    {
        _previousPath = path;
        _previousLabel = label;
        _previousDigests = digests;
        _previousKev = kev;
    }

    /// <summary>Reads what the build at <paramref name="dbPath"/> (if any, and if it stored digests) needs for the comparison.</summary>
    public static AdvisoryDbChangeRecorder ForPrevious(string dbPath)
    {
        if (!File.Exists(dbPath))
        {
            return new AdvisoryDbChangeRecorder(null, null, null, null);
        }

        try
        {
            using var db = AdvisoryDatabase.Open(dbPath);
            var connection = db.Connection;
            if (!HasTable(connection, "advisory_digests"))
            {
                return new AdvisoryDbChangeRecorder(null, null, null, null);
            }

            return new AdvisoryDbChangeRecorder(dbPath, db.Info.VersionLabel,
                ReadPairs(connection, "SELECT id, digest FROM advisory_digests"), ReadPairs(connection, "SELECT cve, digest FROM kev_digests"));
        }
        catch (Exception ex) when (ex is SqliteException or Comb.Contracts.CombInputException)
        {
            // A damaged or older database is replaced without a change list: scans against it are matched in full.
            return new AdvisoryDbChangeRecorder(null, null, null, null);
        }
    }

    /// <summary>Digest of the values one record is stored as (its row and its affected rows).</summary>
    public static string Digest(IEnumerable<object?> values)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var value in values)
        {
            var text = value switch
            {
                null or DBNull => "\u0000",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
            hash.AppendData(Encoding.UTF8.GetBytes(text));
            hash.AppendData("\u001f"u8);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public void Observe(Advisory advisory, string digest)
    {
        _seen.Add(advisory.Id);
        if (_previousDigests is null || (_previousDigests.TryGetValue(advisory.Id, out var before) && before == digest))
        {
            return;
        }

        if (before is not null)
        {
            _lookUpOld.Add(advisory.Id);
        }

        AddIds(advisory.Id, advisory.Aliases, advisory.Upstream, advisory.Related);
        foreach (var entry in advisory.Affected)
        {
            _names.Add((entry.Ecosystem, PackageNames.Normalize(entry.Ecosystem, entry.Name)));
        }
    }

    public void ObserveKev(string cve, string digest) => _kev[cve] = digest;

    /// <summary>Writes the change lists into the new build (inside its transaction).</summary>
    public void Write(SqliteConnection connection, SqliteTransaction transaction, string newLabel)
    {
        if (_previousDigests is null || _previousKev is null || _previousLabel is null || _previousLabel == newLabel)
        {
            return;
        }

        _lookUpOld.UnionWith(_previousDigests.Keys.Where(id => !_seen.Contains(id)));
        foreach (var (cve, digest) in _kev)
        {
            if (!_previousKev.TryGetValue(cve, out var before) || before != digest)
            {
                _ids.Add(cve);
            }
        }

        _ids.UnionWith(_previousKev.Keys.Where(cve => !_kev.ContainsKey(cve)));
        using (var old = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _previousPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        {
            old.Open();
            AddOldRecords(old);
            var bases = OldBases(old);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT OR IGNORE INTO changes VALUES ($since, $kind, $eco, $value)";
            var since = insert.Parameters.Add("$since", SqliteType.Text);
            var kind = insert.Parameters.Add("$kind", SqliteType.Text);
            var eco = insert.Parameters.Add("$eco", SqliteType.Text);
            var value = insert.Parameters.Add("$value", SqliteType.Text);
            void Row(string s, string k, string e, string v)
            {
                since.Value = s;
                kind.Value = k;
                eco.Value = e;
                value.Value = v;
                insert.ExecuteNonQuery();
            }

            foreach (var baseLabel in bases.Prepend(_previousLabel).Distinct(StringComparer.Ordinal))
            {
                Row(baseLabel, KindBase, "", "");
                foreach (var (e, n) in _names)
                {
                    Row(baseLabel, AdvisoryDbChanges.KindName, e, n);
                }

                foreach (var id in _ids)
                {
                    Row(baseLabel, AdvisoryDbChanges.KindId, "", id);
                }
            }

            // Earlier bases keep what changed between them and the old build as well.
            using var carried = old.CreateCommand();
            carried.CommandText = "SELECT since, kind, ecosystem, value FROM changes";
            using var r = carried.ExecuteReader();
            while (r.Read())
            {
                if (bases.Contains(r.GetString(0)))
                {
                    Row(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3));
                }
            }
        }
    }

    /// <summary>The packages and ids of records that changed or went away, as the old build had them.</summary>
    private void AddOldRecords(SqliteConnection old)
    {
        if (_lookUpOld.Count == 0)
        {
            return;
        }

        using (var advisories = old.CreateCommand())
        {
            advisories.CommandText = "SELECT aliases, upstream, related FROM advisories WHERE id = $id";
            var id = advisories.Parameters.Add("$id", SqliteType.Text);
            foreach (var advisoryId in _lookUpOld)
            {
                id.Value = advisoryId;
                using var r = advisories.ExecuteReader();
                if (r.Read())
                {
                    AddIds(advisoryId, List(r.GetString(0)), List(r.GetString(1)), List(r.GetString(2)));
                }
            }
        }

        // The old build has no index by advisory id: one pass over its affected rows.
        using var affected = old.CreateCommand();
        affected.CommandText = "SELECT advisory_id, ecosystem, name FROM affected";
        using var rows = affected.ExecuteReader();
        while (rows.Read())
        {
            if (_lookUpOld.Contains(rows.GetString(0)))
            {
                _names.Add((rows.GetString(1), rows.GetString(2)));
            }
        }
    }

    private static HashSet<string> OldBases(SqliteConnection old)
    {
        using var command = old.CreateCommand();
        command.CommandText = $"SELECT DISTINCT since FROM changes ORDER BY since DESC LIMIT {KeptBases - 1}";
        using var r = command.ExecuteReader();
        var bases = new HashSet<string>(StringComparer.Ordinal);
        while (r.Read())
        {
            bases.Add(r.GetString(0));
        }

        return bases;
    }

    private void AddIds(string id, IEnumerable<string> aliases, IEnumerable<string> upstream, IEnumerable<string> related)
    {
        _ids.Add(id);
        _ids.UnionWith(aliases);
        _ids.UnionWith(upstream);
        _ids.UnionWith(related);
        if (VulnerabilityIds.AsCve(id) is { } cve)
        {
            _ids.Add(cve);
        }
    }

    private static bool HasTable(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $t";
        command.Parameters.AddWithValue("$t", table);
        return command.ExecuteScalar() is not null;
    }

    private static Dictionary<string, string> ReadPairs(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var r = command.ExecuteReader();
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        while (r.Read())
        {
            pairs[r.GetString(0)] = r.GetString(1);
        }

        return pairs;
    }

    private static List<string> List(string json) => JsonSerializer.Deserialize(json, AdvisoryRowJson.Default.ListString) ?? [];
}
