using Comb.Contracts;

namespace Comb.VulnDb.Database;

/// <summary>
/// Reads the published secret values from the scan's advisory database. A scan without a usable database (none
/// yet, an older schema, a damaged file) has none: secret findings then only grow, and the vulnerability stage,
/// when it runs, reports the database problem with the command that fixes it.
/// </summary>
internal sealed class PublishedSecretValueStore : IPublishedSecretValueSource
{
    // A scan asks once for its file analyzers and once for its config analyzers, and a fleet scan asks per image:
    // the values are read again only when the database file changes.
    private Snapshot? _last;

    public IReadOnlyCollection<string> Load(ScanOptions options)
    {
        var path = AdvisoryDbLocation.Resolve(options);
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return [];
        }

        if (Volatile.Read(ref _last) is { } last && last.Path == path && last.Written == file.LastWriteTimeUtc && last.Length == file.Length)
        {
            return last.Values;
        }

        IReadOnlyCollection<string> values;
        try
        {
            using var db = AdvisoryDatabase.Open(path);
            values = db.PublishedSecretValues();
        }
        catch (CombInputException)
        {
            values = [];
        }

        Volatile.Write(ref _last, new Snapshot(path, file.LastWriteTimeUtc, file.Length, values));
        return values;
    }

    private sealed record Snapshot(string Path, DateTime Written, long Length, IReadOnlyCollection<string> Values);
}
