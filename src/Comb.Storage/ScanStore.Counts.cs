namespace Comb.Storage;

/// <summary>How much the store holds: recorded scans and distinct images (by digest).</summary>
public sealed record StoreCounts(long Scans, long Images);

public sealed partial class ScanStore
{
    /// <summary>Scans and distinct images recorded, for a server's status and metrics.</summary>
    public async Task<StoreCounts> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        var counts = await Sql.QueryAsync(connection, "SELECT (SELECT COUNT(*) FROM scans), (SELECT COUNT(*) FROM image_latest)",
            r => new StoreCounts(Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)),
            cancellationToken).ConfigureAwait(false);
        return counts[0];
    }
}
