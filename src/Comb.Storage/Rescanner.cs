using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// Re-checks stored inventories against the current advisory database: no layer is read and no registry is
/// called; each re-check is recorded as a new scan, and what became newly vulnerable is reported.
/// <paramref name="prepare"/> sees each stored scan before its stages run (the matcher carries over what the
/// advisory changes since that scan cannot have altered).
/// </summary>
public sealed class Rescanner(ScanStore store, Func<ImageInventory, ScanOptions, CancellationToken, Task<ScanReport>> runStages,
    Action<ScanReport, ScanOptions>? prepare = null, Func<string, string, ScanOptions, CancellationToken, Task<UpdateScope?>>? scopeSince = null)
{
    /// <summary>The trigger recorded with every re-check.</summary>
    public const string Trigger = "rescan";

    /// <summary>Re-checks recorded in one transaction by default: a fleet's re-checks are written in few commits, not one each.</summary>
    public const int DefaultBatchSize = 200;

    /// <summary>Re-checks read, re-checked and recorded together.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    public async Task<IReadOnlyList<RescanResult>> RescanAsync(IReadOnlyList<string>? images, ScanOptions options, CancellationToken cancellationToken)
    {
        var targets = images is null || images.Count == 0
            ? await store.LatestPerImageAsync(cancellationToken).ConfigureAwait(false)
            : await LatestOfAsync(images, cancellationToken).ConfigureAwait(false);
        var results = new List<RescanResult>();

        // After an advisory update, the images it cannot change are repeated without being read (`--all` only).
        var repeated = new HashSet<string>(StringComparer.Ordinal);
        if (scopeSince is not null && (images is null || images.Count == 0))
        {
            using var unread = RescanTrace.Start("repeat unread");
            foreach (var (dbVersion, toolVersion) in await store.RepeatableBuildsAsync(cancellationToken).ConfigureAwait(false))
            {
                if (await scopeSince(dbVersion, toolVersion, options, cancellationToken).ConfigureAwait(false) is not { } scope)
                {
                    continue;
                }

                foreach (var r in await store.RepeatUntouchedAsync(dbVersion, toolVersion, scope, Trigger, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false))
                {
                    results.Add(new RescanResult(r.Reference, r.PreviousScanId, r.ScanId, [], []));
                    repeated.Add(r.PreviousScanId);
                }
            }
        }

        // Stored scans are read a batch at a time (a few queries each), re-checked, and recorded in one transaction;
        // each batch is written while the next one is read and re-checked (the two halves keep both cores busy).
        Task? recording = null;
        try
        {
            foreach (var batch in targets.Where(t => !repeated.Contains(t.Id)).Chunk(BatchSize))
            {
                var pending = new List<Checked>(batch.Length);
                IReadOnlyList<ScanReport?> stored;
                using (RescanTrace.Start("read"))
                {
                    stored = await store.GetManyAsync([.. batch.Select(t => t.Id)], cancellationToken).ConfigureAwait(false);
                }

                for (var i = 0; i < batch.Length; i++)
                {
                    if (stored[i] is { } before)
                    {
                        pending.Add(await CheckAsync(batch[i].Id, before, options, cancellationToken).ConfigureAwait(false));
                    }
                }

                if (recording is not null)
                {
                    await recording.ConfigureAwait(false);
                }

                // On the thread pool: SQLite's calls complete synchronously, and the next batch is not to wait for them.
                recording = Task.Run(() => RecordAsync(pending, results, cancellationToken), cancellationToken);
            }
        }
        catch when (recording is { IsCompleted: false })
        {
            // The batch being written finishes (or fails) before the error goes up: no write outlives the rescan.
            await recording.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            throw;
        }

        if (recording is not null)
        {
            await recording.ConfigureAwait(false);
        }

        // In the order of the images asked (or of the store's listing), whichever way each was recorded.
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < targets.Count; i++)
        {
            order.TryAdd(targets[i].Id, i);
        }

        return [.. results.OrderBy(r => order.GetValueOrDefault(r.PreviousScanId, int.MaxValue))];
    }

    /// <summary>One stored scan re-checked: how it will be recorded (whole or as a repeat) and what it newly has or lost.</summary>
    private sealed record Checked(string PreviousId, ScanReport Before, Recheck Recheck, IReadOnlyList<string> New, IReadOnlyList<string> Fixed);

    /// <summary>Re-checks a stored scan and prepares its record (the comparison, the diff, the encoding of its findings) off the writer's path.</summary>
    private async Task<Checked> CheckAsync(string previousId, ScanReport before, ScanOptions options, CancellationToken cancellationToken)
    {
        ScanReport after;
        using (RescanTrace.Start("re-check"))
        {
            after = await RecheckAsync(before, options, cancellationToken).ConfigureAwait(false);
        }

        // A re-check that found what the stored scan holds is recorded as a repeat of it: a row, not a document.
        Recheck recheck;
        using (RescanTrace.Start("compare"))
        {
            recheck = RepeatedScans.Repeats(before, after)
                ? Recheck.Same(new ScanRepeat(previousId, DigestOf.Image(after.Image), after.CreatedAt, after.AdvisoryDbVersion, after.Trigger))
                : Recheck.Whole(after);
        }

        if (recheck.Report is { } whole)
        {
            using var encoding = RescanTrace.Start("encode findings");
            store.EncodeAhead(whole);
        }

        using var diffing = RescanTrace.Start("diff");
        var (added, fixedNow) = ScanDiff.Vulnerabilities(before, after);
        return new Checked(previousId, before, recheck, added, fixedNow);
    }

    private async Task<ScanReport> RecheckAsync(ScanReport before, ScanOptions options, CancellationToken cancellationToken)
    {
        prepare?.Invoke(before, options);
        var after = await runStages(ImageInventory.Of(before), options with { NoStore = true, Trigger = Trigger }, cancellationToken).ConfigureAwait(false);

        // Findings that need the layers (config checks on files) are carried over from the stored scan.
        return after with
        {
            Misconfigurations = after.Misconfigurations.Count > 0 ? after.Misconfigurations : before.Misconfigurations,
            Trust = after.Trust ?? before.Trust,
        };
    }

    private async Task RecordAsync(List<Checked> pending, List<RescanResult> results, CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        IReadOnlyList<string> ids;
        using (RescanTrace.Start("record"))
        {
            ids = await store.RecordRechecksAsync([.. pending.Select(p => p.Recheck)], cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < pending.Count; i++)
        {
            var p = pending[i];
            results.Add(new RescanResult(p.Before.Image.Reference, p.PreviousId, ids[i], p.New, p.Fixed));
        }
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
