using System.Collections.Concurrent;
using System.Net;
using Comb.Contracts;
using Comb.Engine;
using Comb.Image.Registry;
using Comb.Jobs;
using Comb.Server.History;
using Comb.Server.Scans;
using Comb.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Comb.Server.Registries;

/// <summary>What one registry scan did.</summary>
public sealed record RegistryScanSummary(
    string Registry, int Repositories, int Tags, int Queued, int AlreadyQueued, int Unchanged, int Rematched, IReadOnlyList<RegistryScanError> Errors);

/// <summary>A registry request that failed after its retries: auth, rate-limit, upstream (5xx, unreachable) or error.</summary>
public sealed record RegistryScanError(string Kind, string Message, string? Repository);

/// <summary>
/// Scans a registry: lists repositories (<c>/v2/_catalog</c>) and tags (<c>/v2/NAME/tags/list</c>, following Link
/// pages), applies the filters, reads each tag's digest with a HEAD, and then per tag does the least work that keeps it
/// checked: nothing when its digest was analysed with the current analyzers and matched against the current advisory
/// database; a re-match of the stored inventory (no pull) when only the database changed; a scan on the durable queue
/// otherwise. The same decision serves push notifications (<see cref="ConsiderAsync"/>).
/// </summary>
public sealed partial class RegistryScanService(
    RegistryStore registries, ScanQueue queue, AdvisoryDbVersion advisories, AnalyzerSignature analyzers, ServerStore store, ImageScanner scanner,
    ServerLocations locations, RegistryTransport transport, IOptions<RegistrySettings> settings, TimeProvider time, ILogger<RegistryScanService> logger,
    Comb.VulnDb.Matching.StoredMatchSeeder seeder)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _running = new(StringComparer.Ordinal);

    /// <summary>One scan per registry at a time in this server; null when one is already running.</summary>
    public async Task<RegistryScanSummary?> TryScanAsync(RegistryRecord registry, IReadOnlyList<string>? repositories, CancellationToken cancellationToken)
    {
        var gate = _running.GetOrAdd(registry.Name, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await ScanAsync(registry, repositories, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<RegistryScanSummary> ScanAsync(RegistryRecord registry, IReadOnlyList<string>? selection, CancellationToken cancellationToken)
    {
        var filter = new RegistryFilter(registry.Filters);
        var errors = new List<RegistryScanError>();
        var tally = new Tally();
        var pageSize = settings.Value.RegistryPageSize;
        await queue.GetAsync(cancellationToken).ConfigureAwait(false); // the jobs table the settling reads
        var known = (await registries.SettleAndListAsync(registry.Name, cancellationToken).ConfigureAwait(false)).ToList();
        var repositoryCount = 0;
        try
        {
            using var client = await ClientAsync(registry, cancellationToken).ConfigureAwait(false);
            var repositories = await RepositoriesAsync(client, filter, selection, pageSize, cancellationToken).ConfigureAwait(false);
            var work = new Work(registry, analyzers.Current, advisories.Current(), known);
            foreach (var repository in repositories)
            {
                repositoryCount++;
                try
                {
                    var tags = filter.SelectTags(await client.ListTagsAsync(repository, pageSize, cancellationToken).ConfigureAwait(false));
                    foreach (var tag in tags)
                    {
                        var head = await client.HeadManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false);
                        var digest = head.Digest ?? (await client.GetManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false)).Digest;
                        var row = await registries.ObserveAsync(registry.Name, repository, tag, digest, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
                        tally.Tags++;
                        if (await DecideAsync(work, row with { Digest = digest }, tally, cancellationToken).ConfigureAwait(false) is { } stop)
                        {
                            errors.Add(stop);
                            break;
                        }
                    }

                    await registries.ForgetAsync(registry.Name, repository, [.. tags], cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (Classify(ex) is { } kind && kind != "auth")
                {
                    // One repository's trouble does not stop the others (a 404 for a repository deleted meanwhile, a 5xx after retries).
                    errors.Add(new RegistryScanError(kind, ex.Message, repository));
                    LogRepositoryFailed(logger, registry.Name, repository, kind, ex.Message);
                }
            }
        }
        catch (Exception ex) when (Classify(ex) is { } kind)
        {
            errors.Add(new RegistryScanError(kind, ex.Message, null));
            LogRegistryFailed(logger, registry.Name, kind, ex.Message);
        }

        var first = errors.FirstOrDefault();
        await registries.RecordRunAsync(registry.Name, first?.Kind, first?.Message, CancellationToken.None).ConfigureAwait(false);
        return new RegistryScanSummary(registry.Name, repositoryCount, tally.Tags, tally.Queued, tally.AlreadyQueued, tally.Unchanged, tally.Rematched, errors);
    }

    /// <summary>
    /// Scans chosen tags (the console's selection): each tag's digest is read again with a HEAD and gets the least work,
    /// exactly as in a scan-all; the registry's filters are not applied again. Null when a scan of the registry is already running.
    /// </summary>
    public async Task<RegistryScanSummary?> TryScanTagsAsync(RegistryRecord registry, IReadOnlyList<(string Repository, string Tag)> tags, CancellationToken cancellationToken)
    {
        var gate = _running.GetOrAdd(registry.Name, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            var errors = new List<RegistryScanError>();
            var tally = new Tally();
            await queue.GetAsync(cancellationToken).ConfigureAwait(false);
            var known = (await registries.SettleAndListAsync(registry.Name, cancellationToken).ConfigureAwait(false)).ToList();
            try
            {
                using var client = await ClientAsync(registry, cancellationToken).ConfigureAwait(false);
                var work = new Work(registry, analyzers.Current, advisories.Current(), known);
                foreach (var (repository, tag) in tags)
                {
                    try
                    {
                        var digest = (await client.HeadManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false)).Digest
                            ?? (await client.GetManifestAsync(repository, tag, cancellationToken).ConfigureAwait(false)).Digest;
                        var row = await registries.ObserveAsync(registry.Name, repository, tag, digest, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
                        tally.Tags++;
                        if (await DecideAsync(work, row with { Digest = digest }, tally, cancellationToken).ConfigureAwait(false) is { } stop)
                        {
                            errors.Add(stop);
                            break;
                        }
                    }
                    catch (Exception ex) when (Classify(ex) is { } kind && kind != "auth")
                    {
                        errors.Add(new RegistryScanError(kind, $"{repository}:{tag}: {ex.Message}", repository));
                        LogRepositoryFailed(logger, registry.Name, repository, kind, ex.Message);
                    }
                }
            }
            catch (Exception ex) when (Classify(ex) is { } kind)
            {
                errors.Add(new RegistryScanError(kind, ex.Message, null));
                LogRegistryFailed(logger, registry.Name, kind, ex.Message);
            }

            var first = errors.FirstOrDefault();
            await registries.RecordRunAsync(registry.Name, first?.Kind, first?.Message, CancellationToken.None).ConfigureAwait(false);
            return new RegistryScanSummary(registry.Name, tags.Select(t => t.Repository).Distinct(StringComparer.Ordinal).Count(), tally.Tags, tally.Queued, tally.AlreadyQueued,
                tally.Unchanged, tally.Rematched, errors);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// A pushed manifest (a notification): records where the tag now points and does what its digest needs. Returns what
    /// was done: "queued", "already-queued", "unchanged", "rematched", "filtered" or "stale" (an older event than one already applied).
    /// </summary>
    public async Task<string> ConsiderAsync(RegistryRecord registry, string repository, string? tag, string digest, long eventAt, CancellationToken cancellationToken)
    {
        var filter = new RegistryFilter(registry.Filters);
        if (!filter.IncludesRepository(repository) || (tag is not null && !filter.IncludesTag(tag)))
        {
            return "filtered";
        }

        await queue.GetAsync(cancellationToken).ConfigureAwait(false);
        var known = (await registries.SettleAndListAsync(registry.Name, cancellationToken).ConfigureAwait(false)).ToList();
        var row = await registries.ObserveAsync(registry.Name, repository, tag ?? digest, digest, eventAt, cancellationToken).ConfigureAwait(false);
        if (row.Digest != digest)
        {
            return "stale";
        }

        var tally = new Tally();
        var stop = await DecideAsync(new Work(registry, analyzers.Current, advisories.Current(), known), row, tally, cancellationToken).ConfigureAwait(false);
        if (stop is not null)
        {
            throw new RegistryQueueFullException(stop.Message);
        }

        return tally.Queued > 0 ? "queued" : tally.AlreadyQueued > 0 ? "already-queued" : tally.Rematched > 0 ? "rematched" : "unchanged";
    }

    /// <summary>The least work for one tag; a non-null answer means the queue is full and the scan should stop.</summary>
    private async Task<RegistryScanError?> DecideAsync(Work work, RegistryImage row, Tally tally, CancellationToken cancellationToken)
    {
        var digest = row.Digest;
        if (row.JobId is not null && row.JobDigest == digest)
        {
            tally.AlreadyQueued++;
            return null;
        }

        // Analysed already: this tag, or the same digest under another tag of the repository.
        var analysed = row.ScannedDigest == digest && row.ScannedKey == work.AnalyzerKey && row.ScanId is not null
            ? row
            : work.Known.FirstOrDefault(k => k.Repository == row.Repository && k.ScannedDigest == digest && k.ScannedKey == work.AnalyzerKey && k.ScanId is not null);
        if (analysed is not null && work.Database is not null)
        {
            if (analysed.ScannedDb == work.Database)
            {
                if (!ReferenceEquals(analysed, row))
                {
                    await registries.MarkScannedAsync(row, digest, work.AnalyzerKey, work.Database, analysed.ScanId, cancellationToken).ConfigureAwait(false);
                }

                tally.Unchanged++;
                return null;
            }

            if (await RematchAsync(analysed.ScanId!, cancellationToken).ConfigureAwait(false) is { } scanId)
            {
                await registries.MarkScannedAsync(row, digest, work.AnalyzerKey, work.Database, scanId, cancellationToken).ConfigureAwait(false);
                work.Known.Add(row with { ScannedDigest = digest, ScannedKey = work.AnalyzerKey, ScannedDb = work.Database, ScanId = scanId });
                tally.Rematched++;
                return null;
            }
        }

        var registry = work.Registry;
        var reference = row.Tag == digest ? $"{registry.Host}/{row.Repository}@{digest}" : $"{registry.Host}/{row.Repository}:{row.Tag}@{digest}";
        var job = new ScanJob(new ScanRequest
        {
            Image = reference,
            InsecureRegistry = registry.UsesInsecureClient,
            Registry = registry.Name,
            Trigger = "registry:" + registry.Name,
        });
        var jobs = await queue.GetAsync(cancellationToken).ConfigureAwait(false);
        var enqueued = await jobs.EnqueueAsync(new JobRequest(ScanJob.Kind, job.ToJson(), ScanRequests.DedupeKey(job, work.Database)), cancellationToken).ConfigureAwait(false);
        if (enqueued.Outcome == EnqueueOutcome.QueueFull)
        {
            return new RegistryScanError("queue-full", $"the scan queue is full; the rest of {registry.Name} waits for the next run (retry after {enqueued.RetryAfter})", row.Repository);
        }

        await registries.MarkQueuedAsync(row, enqueued.JobId!, digest, work.AnalyzerKey, work.Database, cancellationToken).ConfigureAwait(false);
        if (enqueued.Outcome == EnqueueOutcome.Merged)
        {
            tally.AlreadyQueued++;
        }
        else
        {
            tally.Queued++;
        }

        return null;
    }

    /// <summary>Re-matches a stored scan against the current database (no pull); null when it cannot (then the tag is scanned).</summary>
    private async Task<string?> RematchAsync(string scanId, CancellationToken cancellationToken)
    {
        try
        {
            var scans = await store.OpenAsync(cancellationToken).ConfigureAwait(false);
            var options = new ScanOptions
            {
                CacheDir = locations.CacheDir,
                StorePath = locations.Store,
                Scanners = new HashSet<string>([Scanners.Vuln, Scanners.Secret, Scanners.Malware], StringComparer.Ordinal),
            };
            var results = await new Rescanner(scans, scanner.RunStagesAsync, (stored, o) => seeder.Seed(stored, o)).RescanAsync([scanId], options, cancellationToken).ConfigureAwait(false);
            return results.Count == 1 ? results[0].ScanId : null;
        }
        catch (CombInputException ex)
        {
            LogRematchFailed(logger, scanId, ex.Message);
            return null;
        }
    }

    private static async Task<IReadOnlyList<string>> RepositoriesAsync(RegistryClient client, RegistryFilter filter, IReadOnlyList<string>? selection, int pageSize,
        CancellationToken cancellationToken)
    {
        // Named repositories are scanned as named (the catalog may be closed to this account); globs are matched against the catalog.
        if (selection is { Count: > 0 } && selection.All(s => !s.Contains('*', StringComparison.Ordinal) && !s.Contains('?', StringComparison.Ordinal)))
        {
            return [.. selection.Distinct(StringComparer.Ordinal)];
        }

        var catalog = await client.ListRepositoriesAsync(pageSize, cancellationToken).ConfigureAwait(false);
        return [.. catalog.Where(r => selection is { Count: > 0 } ? selection.Any(s => RegistryFilter.Matches(s, r)) : filter.IncludesRepository(r)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>A client for the registry with its stored sign-in; retries 429 and 5xx with backoff that honours Retry-After.</summary>
    public async Task<RegistryClient> ClientAsync(RegistryRecord registry, CancellationToken cancellationToken)
    {
        var options = new RegistryClientOptions
        {
            Insecure = registry.UsesInsecureClient,
            Credentials = await CredentialsAsync(registry, cancellationToken).ConfigureAwait(false),
            MaxAttempts = Math.Max(1, settings.Value.RegistryMaxAttempts),
            MaxRetryDelay = TimeSpan.FromSeconds(Math.Max(1, settings.Value.RegistryMaxRetrySeconds)),
            Logger = logger,
        };
        return new RegistryClient(registry.Host, options, transport);
    }

    public static async Task<RegistryCredentials?> CredentialsAsync(RegistryRecord registry, CancellationToken cancellationToken) => registry.Auth switch
    {
        RegistryAuthKinds.Basic => new RegistryCredentials { Username = registry.Username, Password = registry.Secret, Source = $"registry {registry.Name}" },
        RegistryAuthKinds.Token => new RegistryCredentials { RegistryToken = registry.Secret, Source = $"registry {registry.Name}" },
        RegistryAuthKinds.CredentialHelper => await CredentialHelpers.GetAsync(registry.CredentialHelper!, registry.Url, cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException($"credential helper docker-credential-{registry.CredentialHelper} has no credentials for {registry.Url}", HttpStatusCode.Unauthorized),
        _ => null,
    };

    /// <summary>auth, rate-limit, upstream or error; null for what is not a registry failure (cancellation, a bug).</summary>
    public static string? Classify(Exception ex) => ex switch
    {
        RegistryException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } => "auth",
        RegistryException { StatusCode: HttpStatusCode.TooManyRequests } => "rate-limit",
        RegistryException { StatusCode: { } status } when (int)status >= 500 => "upstream",
        CombInputException { Kind: CombErrorKind.Unauthorized } => "auth",
        CombInputException { Kind: CombErrorKind.UpstreamFailure } => "upstream",
        CombInputException => "error",
        HttpRequestException or TimeoutException or IOException => "upstream",
        _ => null,
    };

    private sealed record Work(RegistryRecord Registry, string AnalyzerKey, string? Database, List<RegistryImage> Known);

    private sealed class Tally
    {
        public int Tags;
        public int Queued;
        public int AlreadyQueued;
        public int Unchanged;
        public int Rematched;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "registry {Registry}: repository {Repository} failed ({Kind}): {Error}")]
    private static partial void LogRepositoryFailed(ILogger logger, string registry, string repository, string kind, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "registry {Registry}: scan failed ({Kind}): {Error}")]
    private static partial void LogRegistryFailed(ILogger logger, string registry, string kind, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "stored scan {ScanId} cannot be re-matched ({Error}); the image is scanned instead")]
    private static partial void LogRematchFailed(ILogger logger, string scanId, string error);
}

/// <summary>The scan queue is full: a notification is answered 429 so the registry delivers it again later.</summary>
public sealed class RegistryQueueFullException(string message) : Exception(message);
