using Comb.Contracts;

namespace Comb.VulnDb.Database;

/// <summary>Reads the published secret values from the scan's advisory database; a scan without a database has none.</summary>
internal sealed class PublishedSecretValueStore : IPublishedSecretValueSource
{
    public IReadOnlyCollection<string> Load(ScanOptions options)
    {
        var path = AdvisoryDbLocation.Resolve(options);
        if (!File.Exists(path))
        {
            return [];
        }

        using var db = AdvisoryDatabase.Open(path);
        return db.PublishedSecretValues();
    }
}
