using System.Text.Json;
using Comb.Contracts;
using Comb.Reporting;
using Comb.Jobs;
using Comb.Server.Auth;
using Comb.Server.Data;
using Comb.Server.Policies;
using Comb.Server.Scans;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Comb.Server.Api;

/// <summary>
/// /api/v1/scans: submit (scanner, admin), list, status, cancel (scanner, admin) and the report in every format; and
/// /readyz. A submitted scan is a committed queue row before the answer (202); a full queue answers 429 with Retry-After.
/// </summary>
internal static class ScanEndpoints
{
    public sealed record SubmittedScan(string Id);

    public sealed record ScanProgressView(long Current, long Total, string? Message);

    public sealed record ScanErrorView(string Kind, string Message);

    public sealed record ScanStatusView(
        string Id, string Status, string Image, IReadOnlyList<string>? Scanners, string? Policy, ScanProgressView? Progress, ScanErrorView? Error,
        int Attempts, int MaxAttempts, bool CancelRequested, string? ScanId, string? Verdict, int? ExitCode,
        DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

    public sealed record ScanPage(IReadOnlyList<ScanStatusView> Items, int Offset, int Limit, int? NextOffset);

    public static void Map(WebApplication app, RouteGroupBuilder api)
    {
        app.MapGet("/readyz", ReadyAsync).ExcludeFromDescription();
        var scans = api.MapGroup("/scans").WithTags("scans");
        scans.MapPost("/", SubmitAsync).RequireAuthorization(ServerRoles.CanScan)
            .Accepts<ScanRequest>("application/json")
            .Produces<SubmittedScan>(StatusCodes.Status202Accepted).ProducesProblem(400).ProducesProblem(413).ProducesProblem(429);
        scans.MapGet("/", ListAsync).Produces<ScanPage>();
        scans.MapGet("/{id}", GetAsync).Produces<ScanStatusView>().ProducesProblem(404);
        scans.MapPost("/{id}/cancel", CancelAsync).RequireAuthorization(ServerRoles.CanScan).Produces<ScanStatusView>().ProducesProblem(404).ProducesProblem(409);
        scans.MapDelete("/{id}", CancelAsync).RequireAuthorization(ServerRoles.CanScan).Produces<ScanStatusView>().ProducesProblem(404).ProducesProblem(409);
        scans.MapGet("/{id}/report", ReportAsync).Produces(200, contentType: "application/json").ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, ScanQueue queue, AdvisoryDbVersion database, AuditLog audit, IEnumerable<IReportWriter> writers,
        CredentialSeal seal, IOptions<ServerSettings> settings, CancellationToken ct)
    {
        var (request, problem) = await ReadBodyAsync(context, settings.Value.MaxRequestBytes, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (ScanRequests.Validate(request!, [.. writers.Select(w => w.Format)]) is { } invalid)
        {
            return Problem(400, invalid);
        }

        ResolvedPolicy? policy = null;
        if (request!.Policy is { } name)
        {
            // The catalog is optional: without one, no policy name is known.
            var catalog = context.RequestServices.GetService<IPolicyCatalog>();
            policy = catalog is null ? null : await catalog.ResolveAsync(name, ct);
            if (policy is null)
            {
                return Problem(400, $"no stored policy named {name}");
            }
        }

        // The row never holds a plaintext password: credentials are sealed before the job is written.
        var job = seal.Seal(new ScanJob(request, policy?.Yaml, policy?.Revision));
        var jobs = await queue.GetAsync(ct);
        var enqueued = await jobs.EnqueueAsync(new JobRequest(ScanJob.Kind, job.ToJson(), ScanRequests.DedupeKey(job, database.Current())), ct);
        if (enqueued.Outcome == EnqueueOutcome.QueueFull)
        {
            var seconds = (int)Math.Ceiling(enqueued.RetryAfter!.Value.TotalSeconds);
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problem(429, $"the scan queue is full; try again in {seconds} s");
        }

        await audit.WriteAsync(context, "scan.submit", enqueued.JobId,
            $"image={request.Image} scanners={string.Join(',', request.Scanners ?? Scanners.All)}{(policy is null ? "" : $" policy={policy.Name}@{policy.Revision}")}"
            + (enqueued.Outcome == EnqueueOutcome.Merged ? " (merged into a pending identical scan)" : ""), ct);
        return Results.Json(new SubmittedScan(enqueued.JobId!), statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAsync(ScanQueue queue, ServerDatabase database, int? offset, int? limit, CancellationToken ct)
    {
        var take = Math.Clamp(limit ?? 50, 1, 500);
        var skip = Math.Max(offset ?? 0, 0);
        var jobs = await queue.GetAsync(ct);
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = JobDb.Command(connection, null, "SELECT id FROM jobs WHERE kind = @kind ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset",
            [("kind", ScanJob.Kind), ("limit", take + 1), ("offset", skip)]);
        var ids = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetString(0));
            }
        }

        var items = new List<ScanStatusView>();
        foreach (var id in ids.Take(take))
        {
            if (await jobs.GetAsync(id, ct) is { } record)
            {
                items.Add(View(record));
            }
        }

        return Results.Ok(new ScanPage(items, skip, take, ids.Count > take ? skip + take : null));
    }

    private static async Task<IResult> GetAsync(string id, ScanQueue queue, CancellationToken ct) =>
        await FindAsync(queue, id, ct) is { } record ? Results.Ok(View(record)) : NotFound(id);

    private static async Task<IResult> CancelAsync(string id, HttpContext context, ScanQueue queue, AuditLog audit, CancellationToken ct)
    {
        if (await FindAsync(queue, id, ct) is null)
        {
            return NotFound(id);
        }

        var jobs = await queue.GetAsync(ct);
        var outcome = await jobs.CancelAsync(id, ct);
        if (outcome == CancelOutcome.NotFound)
        {
            return NotFound(id);
        }

        var record = (await jobs.GetAsync(id, ct))!;
        if (outcome == CancelOutcome.AlreadyFinished)
        {
            return Problem(409, $"scan {id} has already finished ({View(record).Status})");
        }

        await audit.WriteAsync(context, "scan.cancel", id, outcome == CancelOutcome.Cancelled ? "cancelled while queued" : "cancel requested while running", ct);
        return Results.Json(View(record), statusCode: outcome == CancelOutcome.Cancelled ? StatusCodes.Status200OK : StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ReportAsync(string id, string? format, ScanQueue queue, IEnumerable<IReportWriter> writers, Vex.StoredVex vex, CancellationToken ct)
    {
        var record = await FindAsync(queue, id, ct);
        if (record is null)
        {
            return NotFound(id);
        }

        var job = ScanJob.FromJson(record.Payload);
        var wanted = format ?? job.Request.Format ?? "json";
        var writer = writers.FirstOrDefault(w => w.Format == wanted);
        if (writer is null)
        {
            return Problem(400, $"unknown format '{wanted}': use {string.Join(", ", writers.Select(w => w.Format))}");
        }

        if (record.State != JobState.Succeeded || ScanJobResult.FromJson(record.Result) is not { } result)
        {
            return Problem(409, $"scan {id} has no report: it is {View(record).Status}");
        }

        using var buffer = new MemoryStream();
        // Statements made since the scan apply too: the report is presented with the server's VEX statements of now.
        await writer.WriteAsync(await vex.PresentAsync(result.PresentedReport(), ct), buffer, ct);
        return Results.Bytes(buffer.ToArray(), ReportFormats.Find(wanted)?.ContentType ?? "application/octet-stream");
    }

    private static async Task<IResult> ReadyAsync(ScanQueue queue, ServerDatabase database, AdvisoryDbVersion advisories, CancellationToken ct)
    {
        IReadOnlyDictionary<JobState, long> counts;
        try
        {
            await using (var connection = await database.OpenConnectionAsync(ct))
            {
                await JobDb.ScalarAsync(connection, null, "SELECT 1", ct);
            }

            counts = await (await queue.GetAsync(ct)).CountByStateAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Results.Json(new { status = "not ready", reason = $"store and queue at {database.Db.Location} unreachable: {ex.Message}" }, statusCode: 503);
        }

        if (advisories.Current() is not { } version)
        {
            return Results.Json(new { status = "not ready", reason = $"no advisory database at {advisories.Path}: run comb db update (or comb db import DIR) with the server's --cache-dir" },
                statusCode: 503);
        }

        return Results.Ok(new { status = "ready", database = version, queued = counts[JobState.Queued], running = counts[JobState.Running] });
    }

    private static async Task<JobRecord?> FindAsync(ScanQueue queue, string id, CancellationToken ct) =>
        await (await queue.GetAsync(ct)).GetAsync(id, ct) is { Kind: ScanJob.Kind } record ? record : null;

    /// <summary>A job as clients see it; credentials and the policy text stay in the row.</summary>
    private static ScanStatusView View(JobRecord record)
    {
        var request = ScanJob.FromJson(record.Payload).Request;
        var result = record.State == JobState.Succeeded ? ScanJobResult.FromJson(record.Result) : null;
        var status = ScanStatus.Of(record.State);
        return new ScanStatusView(record.Id, status, request.Image!, request.Scanners, request.Policy,
            record.Progress is { } p ? new ScanProgressView(p.Current, p.Total, p.Message) : null,
            record.ErrorKind is { } kind && record.State != JobState.Succeeded ? new ScanErrorView(kind, record.LastError ?? kind) : null,
            record.Attempts, record.MaxAttempts, record.CancelRequested, result?.ScanId, result?.Verdict, result?.ExitCode,
            record.CreatedAt, record.StartedAt, record.FinishedAt);
    }

    /// <summary>The body, read no further than the limit (the test host has no Kestrel limit, so it is counted here too).</summary>
    private static async Task<(ScanRequest? Request, IResult? Problem)> ReadBodyAsync(HttpContext context, long limit, CancellationToken ct)
    {
        if (context.Request.ContentLength > limit)
        {
            return (null, Problem(413, $"request body larger than {limit} bytes"));
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, ct)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    return (null, Problem(413, $"request body larger than {limit} bytes"));
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problem(413, $"request body larger than {limit} bytes"));
        }

        try
        {
            buffer.Position = 0;
            return JsonSerializer.Deserialize<ScanRequest>(buffer, ScanJob.Json) is { } request ? (request, null) : (null, Problem(400, "the body must be a JSON object"));
        }
        catch (JsonException ex)
        {
            return (null, Problem(400, $"malformed request: {ex.Message}"));
        }
    }

    private static IResult NotFound(string id) => Problem(404, $"no scan {id}");

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);
}
