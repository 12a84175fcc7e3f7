using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// The ids a finding is known by (its id and aliases), kept once per distinct list in <c>finding_ids</c>, one row per
/// id, under a key derived from the list; each finding row names its list by that key. The same advisory's finding in
/// every image of a fleet carries the same list, so a finding costs one row instead of one per id and alias, and an
/// impact query by any id reads the lists holding it, then the findings naming those lists.
/// </summary>
internal sealed class FindingIdLists
{
    private readonly StoredKeys _stored = new("finding_ids", "ids");

    /// <summary>A finding's ids: its own first, then its aliases, each once.</summary>
    public static IEnumerable<string> IdsOf(VulnerabilityFinding finding) => finding.Aliases.Prepend(finding.Id).Distinct(StringComparer.Ordinal);

    /// <summary>The key of a finding's id list: the SHA-256 (128 bits, hex) of its ids in ordinal order, one a line; the same set of ids gives the same key.</summary>
    public static string KeyOf(VulnerabilityFinding finding)
    {
        if (finding.Aliases.Count == 0)
        {
            return Key(finding.Id);
        }

        var ids = IdsOf(finding).ToArray();
        Array.Sort(ids, StringComparer.Ordinal);
        return Key(string.Join('\n', ids));
    }

    private static string Key(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>Forgets which lists are stored, after a prune may have deleted some.</summary>
    public void ForgetStored() => _stored.Forget();

    /// <summary>Stores the lists (key, a finding carrying it) the store does not hold yet, inside the caller's transaction.</summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyDictionary<string, VulnerabilityFinding> lists, CancellationToken cancellationToken)
    {
        var missing = await _stored.MissingAsync(connection, transaction, lists.Keys, cancellationToken).ConfigureAwait(false);
        var rows = missing.SelectMany(k => IdsOf(lists[k]).Select(id => new object?[] { k, id })).ToList();

        // Another writer may store the same list meanwhile (PostgreSQL): the second insert of a row does nothing.
        await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO finding_ids (ids, vuln_id)", rows, "ON CONFLICT (ids, vuln_id) DO NOTHING", cancellationToken).ConfigureAwait(false);
    }
}
