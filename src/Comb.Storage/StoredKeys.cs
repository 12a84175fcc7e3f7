using System.Collections.Concurrent;
using System.Data.Common;

namespace Comb.Storage;

/// <summary>
/// Keys of an insert-only table this process knows to be stored, so writers skip rows the table already holds without
/// asking again. Only keys read back from the table are remembered: a row inserted in a transaction not yet known to
/// have committed may still be rolled back. A prune deletes rows no scan refers to any more: the pruning process
/// forgets every key after its commit (<see cref="Forget"/>), and any other forgets them when it next writes and sees
/// the store's prune count moved, so a key remembered is one the table holds.
/// </summary>
internal sealed class StoredKeys(string table, string column)
{
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    /// <summary>Forgets every key: rows may have been deleted, and each key is asked of the table again.</summary>
    public void Forget() => _known.Clear();

    /// <summary>The keys among <paramref name="keys"/> the table does not hold yet, asked inside the caller's transaction.</summary>
    public async Task<List<string>> MissingAsync(DbConnection connection, DbTransaction transaction, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var unknown = keys.Distinct(StringComparer.Ordinal).Where(k => !_known.ContainsKey(k)).ToList();
        if (unknown.Count == 0)
        {
            return unknown;
        }

        foreach (var key in await Sql.QueryInAsync(connection, $"SELECT DISTINCT {column} FROM {table} WHERE {column} IN ({{keys}})", unknown,
            r => r.GetString(0), cancellationToken, transaction).ConfigureAwait(false))
        {
            _known.TryAdd(key, 0);
        }

        return [.. unknown.Where(k => !_known.ContainsKey(k))];
    }
}
