using Comb.Contracts;

namespace Comb.VulnDb.Database;

/// <summary>
/// Reads the published secret values from the scan's advisory database. A scan without a usable database (none
/// yet, an older schema, a damaged file) has none: secret findings then only grow, and the vulnerability stage,
/// when it runs, reports the database problem with the command that fixes it.
/// </summary>
internal sealed class PublishedSecretValueStore : IPublishedSecretValueSource
{
    public IReadOnlyCollection<string> Load(ScanOptions options)
    {
        var path = AdvisoryDbLocation.Resolve(options);
        if (!File.Exists(path))
        {
            return [];
        }

        try
        {
            using var db = AdvisoryDatabase.Open(path);
            return db.PublishedSecretValues();
        }
        catch (CombInputException)
        {
            return [];
        }
    }
}
