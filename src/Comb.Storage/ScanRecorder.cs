using Comb.Contracts;

namespace Comb.Storage;

/// <summary>Records every finished scan, whole, in the store its options name (default: the cache directory's history).</summary>
public sealed class ScanRecorder(ScanStores stores) : IScanRecorder
{
    public async Task<string> RecordAsync(ScanReport report, ScanOptions options, CancellationToken cancellationToken)
    {
        var store = await stores.GetAsync(LocationOf(options), cancellationToken).ConfigureAwait(false);
        return await store.RecordAsync(report, cancellationToken).ConfigureAwait(false);
    }

    public static string LocationOf(ScanOptions options) =>
        options.StorePath ?? ScanStore.DefaultPath(options.CacheDir ?? throw new InvalidOperationException("cache directory not set"));
}
