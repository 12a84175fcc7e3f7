using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// Re-checks stored inventories against the current advisory database: no layer is read and no registry is
/// called; each re-check is recorded as a new scan, and what became newly vulnerable is reported.
/// <paramref name="prepare"/> sees each stored scan before its stages run (the matcher carries over what the
/// advisory changes since that scan cannot have altered).
/// </summary>
public sealed class Rescanner(ScanStore store, Func<ImageInventory, ScanOptions, CancellationToken, Task<ScanReport>> runStages,
    Action<ScanReport, ScanOptions>? prepare = null)
{
    public async Task<IReadOnlyList<RescanResult>> RescanAsync(IReadOnlyList<string>? images, ScanOptions options, CancellationToken cancellationToken)
    {
        var targets = images is null || images.Count == 0
            ? await store.LatestPerImageAsync(cancellationToken).ConfigureAwait(false)
            : await LatestOfAsync(images, cancellationToken).ConfigureAwait(false);
        var results = new List<RescanResult>();
        foreach (var target in targets)
        {
            var before = await store.GetAsync(target.Id, cancellationToken).ConfigureAwait(false);
            if (before is null)
            {
                continue;
            }

            prepare?.Invoke(before, options);
            var inventory = new ImageInventory
            {
                Image = before.Image,
                Os = before.Os,
                PackageSets = before.PackageSets,
                Secrets = before.Secrets,
                Malware = before.Malware,
                Diagnostics = [],
            };
            var after = await runStages(inventory, options with { NoStore = true, Trigger = "rescan" }, cancellationToken).ConfigureAwait(false);

            // Findings that need the layers (config checks on files) are carried over from the stored scan.
            after = after with
            {
                Misconfigurations = after.Misconfigurations.Count > 0 ? after.Misconfigurations : before.Misconfigurations,
                Trust = after.Trust ?? before.Trust,
            };
            var id = await store.RecordAsync(after, cancellationToken).ConfigureAwait(false);
            var diff = ScanDiff.Compare(before, after with { ScanId = id });
            results.Add(new RescanResult(before.Image.Reference, target.Id, id, diff.NewVulnerabilities, diff.FixedVulnerabilities));
        }

        return results;
    }

    private async Task<IReadOnlyList<ScanSummary>> LatestOfAsync(IReadOnlyList<string> images, CancellationToken cancellationToken)
    {
        var found = new List<ScanSummary>();
        foreach (var image in images)
        {
            var latest = await store.ListAsync(new HistoryQuery { Image = image, Limit = 1 }, cancellationToken).ConfigureAwait(false);
            if (latest.Count == 0)
            {
                throw new CombInputException($"no stored scan of '{image}': scan it once first");
            }

            found.Add(latest[0]);
        }

        return found;
    }
}

public sealed record RescanResult(string Reference, string PreviousScanId, string ScanId, IReadOnlyList<string> NewlyVulnerable, IReadOnlyList<string> NoLongerVulnerable);
