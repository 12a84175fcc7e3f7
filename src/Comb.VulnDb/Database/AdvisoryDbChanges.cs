using Microsoft.Data.Sqlite;

namespace Comb.VulnDb.Database;

/// <summary>
/// What changed in the advisory database since an earlier build, as the build recorded it: the (ecosystem, name)
/// pairs that changed records name, before or after the change, and the ids those records are known by (their own,
/// aliases, upstream and related ids, and KEV entries that changed). A match whose target names none of the pairs and
/// whose findings carry none of the ids gives the same answer against both builds.
/// </summary>
internal sealed class AdvisoryDbChanges
{
    public const string KindName = "name";
    public const string KindId = "id";

    private readonly HashSet<string> _names;
    private readonly HashSet<string> _ids;

    public AdvisoryDbChanges(string since, IEnumerable<(string Ecosystem, string Name)> names, IEnumerable<string> ids)
    {
        Since = since;
        _names = new HashSet<string>(names.Select(n => NameKey(n.Ecosystem, n.Name)), StringComparer.Ordinal);
        _ids = new HashSet<string>(ids, StringComparer.Ordinal);
    }

    /// <summary>The version label of the earlier build.</summary>
    public string Since { get; }

    public int NameCount => _names.Count;

    public int IdCount => _ids.Count;

    public bool NamesPackage(string ecosystem, string normalizedName) => _names.Contains(NameKey(ecosystem, normalizedName));

    public bool NamesId(string id) => _ids.Contains(id);

    /// <summary>Every id a changed record is known by.</summary>
    public IReadOnlyCollection<string> Ids => _ids;

    /// <summary>The ecosystems whose packages a change names.</summary>
    public IEnumerable<string> Ecosystems => _names.Select(k => k[..k.IndexOf('\n', StringComparison.Ordinal)]).Distinct(StringComparer.Ordinal);

    /// <summary>The changes since the build labelled <paramref name="since"/>, or null when this build did not record them.</summary>
    public static AdvisoryDbChanges? Read(SqliteConnection connection, string since)
    {
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'changes'";
        if (exists.ExecuteScalar() is null)
        {
            return null;
        }

        using var query = connection.CreateCommand();
        query.CommandText = "SELECT kind, ecosystem, value FROM changes WHERE since = $since";
        query.Parameters.AddWithValue("$since", since);
        var names = new List<(string, string)>();
        var ids = new List<string>();
        var any = false;
        using var r = query.ExecuteReader();
        while (r.Read())
        {
            any = true;
            if (r.GetString(0) == KindName)
            {
                names.Add((r.GetString(1), r.GetString(2)));
            }
            else if (r.GetString(0) == KindId)
            {
                ids.Add(r.GetString(2));
            }
        }

        // A recorded base always has a marker row, so "no rows" means "not recorded", never "nothing changed".
        return any ? new AdvisoryDbChanges(since, names, ids) : null;
    }

    private static string NameKey(string ecosystem, string name) => ecosystem + "\n" + name;
}
