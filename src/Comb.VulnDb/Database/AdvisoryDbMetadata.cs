using Comb.Contracts;

namespace Comb.VulnDb.Database;

/// <summary>Reads an advisory database's metadata (build time, sources) without a scan, for status pages and metrics.</summary>
public static class AdvisoryDbMetadata
{
    /// <summary>The metadata of the database at a path, or null when there is none or it cannot be read.</summary>
    public static AdvisoryDbInfo? TryRead(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var database = AdvisoryDatabase.Open(path);
            return database.Info;
        }
        catch (CombInputException)
        {
            return null;
        }
    }
}
