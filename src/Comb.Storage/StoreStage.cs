using Comb.Contracts;

namespace Comb.Storage;

/// <summary>Records every scan in the history store (last stage), unless --no-store.</summary>
public sealed class StoreStage : IScanStage
{
    public string Id => "history-store";

    public int Order => 1000;

    public bool IsEnabled(ScanOptions options) => !options.NoStore;

    public async Task RunAsync(ScanContext context, CancellationToken cancellationToken)
    {
        var location = context.Options.StorePath ?? ScanStore.DefaultPath(context.Options.CacheDir ?? throw new InvalidOperationException("cache directory not set"));
        var store = await ScanStore.OpenAsync(location, cancellationToken).ConfigureAwait(false);
        var report = context.ToReport();
        context.ScanId = await store.RecordAsync(report, cancellationToken).ConfigureAwait(false);
    }
}
