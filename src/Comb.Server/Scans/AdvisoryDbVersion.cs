using Comb.VulnDb.Database;

namespace Comb.Server.Scans;

/// <summary>The advisory database the server's scans match against: its version label, re-read only when the file changes.</summary>
public sealed class AdvisoryDbVersion(ServerLocations locations)
{
    private readonly Lock _gate = new();
    private (DateTime Written, string Label)? _last;

    public string Path => AdvisoryDbLocation.Resolve(null, locations.CacheDir);

    /// <summary>"comb-db v1 built ...", or null when there is no database (or it cannot be read).</summary>
    public string? Current()
    {
        var file = new FileInfo(Path);
        if (!file.Exists)
        {
            return null;
        }

        lock (_gate)
        {
            if (_last is { } last && last.Written == file.LastWriteTimeUtc)
            {
                return last.Label;
            }
        }

        try
        {
            var label = AdvisoryDbInfo.Read(file.FullName).VersionLabel;
            lock (_gate)
            {
                _last = (file.LastWriteTimeUtc, label);
            }

            return label;
        }
        catch (Contracts.CombInputException)
        {
            return null;
        }
    }
}
