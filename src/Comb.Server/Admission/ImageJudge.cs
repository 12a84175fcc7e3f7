using Comb.Contracts;
using Comb.Engine;
using Comb.Image;
using Comb.Jobs;
using Comb.Server.History;
using Comb.Server.Scans;
using Comb.Storage;
using Microsoft.Extensions.Options;

namespace Comb.Server.Admission;

/// <summary>
/// Decides one pinned image: the newest stored scan of its digest (or one scanned now through the queue, while the
/// review's budget lasts) judged by the admission policy against the current advisory database. Decisions are cached by
/// (digest, policy version, database version); a dry run reads the cache but starts no scan and writes nothing.
/// </summary>
public sealed class ImageJudge(ServerStore store, ScanQueue queue, ImageScanner scanner, ImageSourceResolver images, IVerdictService verdicts, AdmissionPolicy policy,
    AdvisoryDbVersion database, DecisionCache cache, IOptions<AdmissionSettings> settings, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public async Task<ImageDecision> DecideAsync(PinnedImage image, bool dryRun, CancellationToken cancellationToken)
    {
        var key = new DecisionKey(image.Pinned, policy.Version(), database.Current() ?? "no-database");
        if (await cache.GetAsync(key, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return known;
        }

        var scans = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        var report = await scans.LatestAsync(image.Digest, cancellationToken).ConfigureAwait(false);
        if (report is null)
        {
            if (dryRun)
            {
                return await JudgeUnscannedAsync(image, cancellationToken).ConfigureAwait(false);
            }

            var scanned = await ScanNowAsync(image, scans, cancellationToken).ConfigureAwait(false);
            if (scanned.Report is null)
            {
                return ImageDecision.Undecided(scanned.Why!, image.Digest);
            }

            report = scanned.Report;
        }

        var decision = await JudgeAsync(image, report, cancellationToken).ConfigureAwait(false);
        if (!dryRun)
        {
            await cache.SetAsync(key, decision, cancellationToken).ConfigureAwait(false);
        }

        return decision;
    }

    /// <summary>The stored inventory matched again and judged by the admission policy (as a rescan, without recording it).</summary>
    private Task<ImageDecision> JudgeAsync(PinnedImage image, ScanReport stored, CancellationToken cancellationToken)
    {
        // Configuration findings need the layers: the stored scan's stand.
        return JudgeAsync(image, ImageInventory.Of(stored), stored.Misconfigurations, stored.ScanId, [], cancellationToken);
    }

    /// <summary>
    /// A dry run of an image never scanned: it may not queue a scan (a dry run has no side effects), so it is judged on
    /// what its manifest and config tell without reading a layer (the trust rules: registry, base image, signature), with
    /// no packages, secrets, malware or misconfigurations, and says so in a warning.
    /// </summary>
    private async Task<ImageDecision> JudgeUnscannedAsync(PinnedImage image, CancellationToken cancellationToken)
    {
        var options = policy.Options();
        var open = new ImageOpenOptions
        {
            Platform = settings.Value.Platform is { } platform ? Comb.Image.Oci.PlatformSelector.Parse(platform) : null, InsecureRegistry = options.InsecureRegistry, Username = options.Username, Password = options.Password,
        };
        ImageMetadata metadata;
        await using (var opened = await images.OpenAsync(image.Pinned, open, cancellationToken).ConfigureAwait(false))
        {
            metadata = opened.Metadata with { Reference = image.Reference };
        }

        var inventory = new ImageInventory { Image = metadata, PackageSets = [], Diagnostics = [] };
        var unscanned = $"image {image.Reference} ({image.Digest}) has not been scanned and a dry run starts no scan: judged on its trust rules only "
            + "(registry, base image, signature); its vulnerabilities, secrets, malware and misconfigurations are not known yet";
        return await JudgeAsync(image, inventory, [], null, [unscanned], cancellationToken).ConfigureAwait(false);
    }

    private async Task<ImageDecision> JudgeAsync(PinnedImage image, ImageInventory inventory, IReadOnlyList<ConfigFinding> misconfigurations, string? scanId,
        IReadOnlyList<string> notes, CancellationToken cancellationToken)
    {
        var options = policy.Options();
        var report = await scanner.RunStagesAsync(inventory, options, cancellationToken).ConfigureAwait(false);
        report = report with { Misconfigurations = misconfigurations };
        var verdict = await verdicts.DecideAsync(report, options, cancellationToken).ConfigureAwait(false);
        var fired = verdict.Policy?.Fired ?? [];
        var denials = fired.Where(f => f.Action == "block")
            .Select(f => $"image {image.Reference} ({image.Digest}) is denied by policy rule {f.RuleId}: {f.Message}{Example(f.Matches)}").ToList();
        var warnings = fired.Where(f => f.Action != "block")
            .Select(f => $"image {image.Reference}: policy rule {f.RuleId} (warn): {f.Message}{Example(f.Matches)}").Concat(notes).ToList();
        if (verdict.Decision == VerdictDecision.Block && denials.Count == 0)
        {
            denials.Add($"image {image.Reference} ({image.Digest}) is denied: {string.Join("; ", verdict.Reasons)}");
        }

        return new ImageDecision(denials.Count > 0 ? DecisionOutcome.Denied : DecisionOutcome.Allowed, denials, warnings, scanId, image.Digest);
    }

    private static string Example(IReadOnlyList<string> matches) =>
        matches.Count == 0 ? "" : $" ({matches[0]}{(matches.Count > 1 ? $" and {matches.Count - 1} more" : "")})";

    /// <summary>Queues a scan of the pinned digest (merged with an identical pending one) and waits for it while the token lasts.</summary>
    private async Task<(ScanReport? Report, string? Why)> ScanNowAsync(PinnedImage image, ScanStore scans, CancellationToken cancellationToken)
    {
        var options = settings.Value;
        var credentials = options.Username is { } user && options.Password is { } password
            ? new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase) { [image.Registry] = new RegistryCredential(user, password) }
            : null;
        var job = new ScanJob(new ScanRequest
        {
            Image = image.Pinned,
            InsecureRegistry = options.InsecureRegistry,
            Platform = options.Platform,
            RegistryCredentials = credentials,
            Trigger = "admission",
        });
        var jobs = await queue.GetAsync(cancellationToken).ConfigureAwait(false);
        var enqueued = await jobs.EnqueueAsync(new JobRequest(ScanJob.Kind, job.ToJson(), ScanRequests.DedupeKey(job, database.Current())), cancellationToken).ConfigureAwait(false);
        if (enqueued.Outcome == EnqueueOutcome.QueueFull)
        {
            return (null, $"image {image.Reference} has not been scanned and the scan queue is full");
        }

        while (true)
        {
            var record = await jobs.GetAsync(enqueued.JobId!, cancellationToken).ConfigureAwait(false);
            switch (record?.State)
            {
                case JobState.Succeeded when ScanJobResult.FromJson(record.Result) is { } result:
                    return (await scans.GetAsync(result.ScanId, cancellationToken).ConfigureAwait(false), $"scan {result.ScanId} of {image.Reference} is not in the store");
                case JobState.Failed or JobState.Dead or JobState.Cancelled or null:
                    return (null, $"image {image.Reference} could not be scanned: {record?.LastError ?? "the scan job disappeared"}");
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
