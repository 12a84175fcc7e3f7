using Comb.Contracts;
using Comb.Engine;
using Comb.Jobs;
using Comb.Server.Data;
using Comb.Server.History;
using Comb.Server.Policies;
using Comb.Server.Scans;
using Comb.Storage;
using Microsoft.AspNetCore.Http;

namespace Comb.Server.WebConsole;

/// <summary>A scan job as the console lists it.</summary>
public sealed record ConsoleJob(string Id, string Status, string Image, long? Current, long? Total, string? Message, string? Error, int Attempts, int MaxAttempts,
    bool CancelRequested, string? ScanId, string? Verdict, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>What the console's buttons do: submit scans through the same queue, checks and audit as the API, cancel, and re-match.</summary>
public sealed class ConsoleScans(ScanQueue queue, ServerDatabase database, AdvisoryDbVersion advisories, AuditLog audit, IEnumerable<IReportWriter> writers,
    IServiceProvider services, ServerStore server, ServerLocations locations, ImageScanner scanner, RescanGate gate,
    Comb.VulnDb.Matching.StoredMatchSeeder seeder)
{
    /// <summary>Queues a scan of one registry image; the job id, or the reason it cannot run.</summary>
    public async Task<(string? JobId, string? Error)> SubmitAsync(HttpContext context, string image, string? policyName, CancellationToken ct, bool insecureRegistry = false)
    {
        var request = new ScanRequest
        {
            Image = image.Trim(), Policy = string.IsNullOrWhiteSpace(policyName) ? null : policyName.Trim(), Trigger = "console", InsecureRegistry = insecureRegistry,
        };
        if (ScanRequests.Validate(request, [.. writers.Select(w => w.Format)]) is { } invalid)
        {
            return (null, invalid);
        }

        ResolvedPolicy? policy = null;
        if (request.Policy is { } name)
        {
            policy = services.GetService(typeof(IPolicyCatalog)) is IPolicyCatalog catalog ? await catalog.ResolveAsync(name, ct) : null;
            if (policy is null)
            {
                return (null, $"no stored policy named {name}");
            }
        }

        var job = new ScanJob(request, policy?.Yaml, policy?.Revision);
        var jobs = await queue.GetAsync(ct);
        var enqueued = await jobs.EnqueueAsync(new JobRequest(ScanJob.Kind, job.ToJson(), ScanRequests.DedupeKey(job, advisories.Current())), ct);
        if (enqueued.Outcome == EnqueueOutcome.QueueFull)
        {
            return (null, $"the scan queue is full; try again in {Math.Ceiling(enqueued.RetryAfter!.Value.TotalSeconds)} s");
        }

        await audit.WriteAsync(context, "scan.submit", enqueued.JobId, $"image={request.Image} (console){(policy is null ? "" : $" policy={policy.Name}@{policy.Revision}")}"
            + (enqueued.Outcome == EnqueueOutcome.Merged ? " (merged into a pending identical scan)" : ""), ct);
        return (enqueued.JobId, null);
    }

    /// <summary>
    /// The reference that pulls exactly a stored image again: its repository at its digest when it came from a registry.
    /// Images scanned from local sources (archives, directories) have none: the server scans registry images only.
    /// </summary>
    public static string? PullReference(ScanSummary scan) =>
        scan.Repository is { } repository && scan.Digest.StartsWith("sha256:", StringComparison.Ordinal) && ScanRequests.IsRegistryReference(repository + "@" + scan.Digest)
            ? repository + "@" + scan.Digest : null;

    /// <summary>
    /// Queues a scan of each stored image given by digest, over plain HTTP or self-signed TLS when
    /// <paramref name="insecureRegistry"/>; how many were queued and the problems of the rest.
    /// </summary>
    public async Task<(int Queued, List<string> Errors)> SubmitStoredAsync(HttpContext context, IEnumerable<ScanSummary> images, CancellationToken ct, bool insecureRegistry = false)
    {
        var queued = 0;
        var errors = new List<string>();
        foreach (var image in images)
        {
            if (PullReference(image) is not { } reference)
            {
                errors.Add($"{image.Reference}: not from a registry, so the server cannot pull it again");
                continue;
            }

            var (id, error) = await SubmitAsync(context, reference, null, ct, insecureRegistry);
            if (id is null)
            {
                errors.Add($"{image.Reference}: {error}");
            }
            else
            {
                queued++;
            }
        }

        return (queued, errors);
    }

    /// <summary>Re-matches every stored image's newest inventory against the current advisory database (as POST /api/v1/rescan).</summary>
    public async Task<(IReadOnlyList<RescanResult>? Results, string? Error)> RematchAllAsync(HttpContext context, CancellationToken ct)
    {
        if (!gate.TryEnter())
        {
            return (null, "a re-match is already running; try again when it has finished");
        }

        try
        {
            var options = new ScanOptions
            {
                CacheDir = locations.CacheDir,
                StorePath = locations.Store,
                Scanners = new HashSet<string>([Scanners.Vuln, Scanners.Secret, Scanners.Malware], StringComparer.Ordinal),
            };
            await audit.WriteAsync(context, "rescan.start", null, "console", ct);
            return (await new Rescanner(await server.OpenAsync(ct), scanner.RunStagesAsync, (stored, o) => seeder.Seed(stored, o), Comb.Engine.RescanScopes.Of(seeder)).RescanAsync(null, options, ct), null);
        }
        catch (CombInputException ex)
        {
            return (null, ex.Message);
        }
        finally
        {
            gate.Exit();
        }
    }

    public async Task<string?> CancelAsync(HttpContext context, string id, CancellationToken ct)
    {
        var jobs = await queue.GetAsync(ct);
        if (await jobs.GetAsync(id, ct) is not { Kind: ScanJob.Kind })
        {
            return $"no scan {id}";
        }

        var outcome = await jobs.CancelAsync(id, ct);
        if (outcome == CancelOutcome.NotFound)
        {
            return $"no scan {id}";
        }

        if (outcome == CancelOutcome.AlreadyFinished)
        {
            return $"scan {id} has already finished";
        }

        await audit.WriteAsync(context, "scan.cancel", id, outcome == CancelOutcome.Cancelled ? "cancelled while queued (console)" : "cancel requested while running (console)", ct);
        return null;
    }

    /// <summary>The newest scan jobs, optionally of one state (queued, running, succeeded, failed, cancelled).</summary>
    public async Task<IReadOnlyList<ConsoleJob>> ListAsync(string? state, int offset, int limit, CancellationToken ct)
    {
        var jobs = await queue.GetAsync(ct);
        var filter = state switch
        {
            "queued" => "AND state = 'queued'",
            "running" => "AND state = 'running'",
            "succeeded" => "AND state = 'succeeded'",
            "cancelled" => "AND state = 'cancelled'",
            "failed" => "AND state NOT IN ('queued', 'running', 'succeeded', 'cancelled')",
            _ => "",
        };
        var ids = new List<string>();
        await using (var connection = await database.OpenConnectionAsync(ct))
        {
            await using var command = JobDb.Command(connection, null, $"SELECT id FROM jobs WHERE kind = @kind {filter} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
                [("kind", ScanJob.Kind), ("limit", limit), ("offset", offset)]);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetString(0));
            }
        }

        var list = new List<ConsoleJob>();
        foreach (var id in ids)
        {
            if (await jobs.GetAsync(id, ct) is { } record)
            {
                list.Add(View(record));
            }
        }

        return list;
    }

    public async Task<IReadOnlyDictionary<JobState, long>> CountsAsync(CancellationToken ct) => await (await queue.GetAsync(ct)).CountByStateAsync(ct);

    /// <summary>Each scan job's image by job id: a job's payload never changes, so it is parsed once per server.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _jobImages = new(StringComparer.Ordinal);

    /// <summary>Images submitted to the queue that have no stored scan yet (queued, running, or failed every time).</summary>
    public async Task<long> NotScannedAsync(CancellationToken ct)
    {
        await queue.GetAsync(ct);
        await using var connection = await database.OpenConnectionAsync(ct);
        var jobs = new List<(string Id, bool Succeeded)>();
        await using (var command = JobDb.Command(connection, null, "SELECT id, state FROM jobs WHERE kind = @kind ORDER BY created_at DESC LIMIT 10000", [("kind", ScanJob.Kind)]))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                jobs.Add((reader.GetString(0), reader.GetString(1) == "succeeded"));
            }
        }

        // Only jobs queued since the last view are read and parsed.
        foreach (var chunk in jobs.Where(j => !_jobImages.ContainsKey(j.Id)).Select(j => j.Id).Chunk(500))
        {
            var names = chunk.Select((_, i) => "@j" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await using var command = JobDb.Command(connection, null, $"SELECT id, payload FROM jobs WHERE id IN ({string.Join(", ", names)})",
                chunk.Select((id, i) => ("j" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), (object?)id)));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                _jobImages[reader.GetString(0)] = ScanJob.FromJson(reader.GetString(1)).Request.Image ?? "";
            }
        }

        if (_jobImages.Count > 2 * Math.Max(jobs.Count, 1000))
        {
            // Jobs pruned from the queue or past the newest 10,000 are forgotten.
            var current = jobs.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in _jobImages.Keys.Where(k => !current.Contains(k)))
            {
                _jobImages.TryRemove(id, out _);
            }
        }

        var images = new HashSet<string>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, succeeded) in jobs)
        {
            if (_jobImages.TryGetValue(id, out var image))
            {
                images.Add(image);
                if (succeeded)
                {
                    done.Add(image);
                }
            }
        }

        return images.Count(i => !done.Contains(i));
    }

    private static ConsoleJob View(JobRecord record)
    {
        var request = ScanJob.FromJson(record.Payload).Request;
        var result = record.State == JobState.Succeeded ? ScanJobResult.FromJson(record.Result) : null;
        var status = ScanStatus.Of(record.State);
        return new ConsoleJob(record.Id, status, request.Image ?? "", record.Progress?.Current, record.Progress?.Total, record.Progress?.Message,
            record.State is JobState.Succeeded ? null : record.LastError, record.Attempts, record.MaxAttempts, record.CancelRequested, result?.ScanId, result?.Verdict,
            record.CreatedAt, record.StartedAt, record.FinishedAt);
    }
}
