using System.Text.Json;
using Comb.Server.Auth;
using Comb.Server.Data;
using Comb.Server.Registries;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Comb.Server.Api;

/// <summary>
/// /api/v1/registries: stored registries (admin adds, changes and deletes; every role reads), their scans (scanner,
/// admin: all, a selection of repositories), and the registry's push notifications (a scanner token as the
/// notification endpoint's Authorization header). Credentials go in and never come out.
/// </summary>
internal static class RegistryEndpoints
{
    public sealed record RegistryErrorView(string Kind, string Message, DateTimeOffset? At);

    public sealed record RegistryView(
        string Name, string Url, bool Insecure, string Auth, string? Username, string? CredentialHelper, bool HasSecret, RegistryFilters Filters,
        string? Schedule, DateTimeOffset? NextRun, DateTimeOffset? LastScan, int Images, int Scanned, int Failed, int Pending,
        RegistryErrorView? LastError, int Errors, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? UpdatedBy);

    public sealed record RegistryImageView(string Repository, string Tag, string Digest, string Status, string? ScanId, string? Error);

    public sealed record RegistryScanSelection(IReadOnlyList<string>? Repositories);

    public sealed record NotificationResult(int Events, int ManifestPushes, int Ignored, int Duplicates, int Queued, int AlreadyQueued, int Unchanged, int Rematched, int Stale, int Filtered);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public static void Map(RouteGroupBuilder api)
    {
        var registries = api.MapGroup("/registries").WithTags("registries");
        registries.MapPost("/", CreateAsync).WithName("CreateRegistry").RequireAuthorization(ServerRoles.CanAdminister).WithSummary("Add a registry")
            .Accepts<RegistryInput>("application/json").Produces<RegistryView>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(409);
        registries.MapGet("/", ListAsync).WithName("ListRegistries").WithSummary("List registries with their scan status").Produces<IReadOnlyList<RegistryView>>();
        registries.MapGet("/{name}", GetAsync).WithName("GetRegistry").WithSummary("A registry: settings (never credentials), images known, scanned, failed, last scan, next run, errors")
            .Produces<RegistryView>().ProducesProblem(404);
        registries.MapMethods("/{name}", ["PATCH"], ChangeAsync).WithName("ChangeRegistry").RequireAuthorization(ServerRoles.CanAdminister).WithSummary("Change a registry's settings or sign-in")
            .Accepts<RegistryInput>("application/json").Produces<RegistryView>().ProducesProblem(400).ProducesProblem(404);
        registries.MapDelete("/{name}", DeleteAsync).WithName("DeleteRegistry").RequireAuthorization(ServerRoles.CanAdminister).WithSummary("Remove a registry")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        registries.MapGet("/{name}/images", ImagesAsync).WithName("ListRegistryImages").WithSummary("The tags the server knows of a registry and where their scans stand")
            .Produces<IReadOnlyList<RegistryImageView>>().ProducesProblem(404);
        registries.MapPost("/{name}/scan-all", ScanAllAsync).WithName("ScanRegistry").RequireAuthorization(ServerRoles.CanScan).WithSummary("Scan every repository and tag the filters admit")
            .Produces<RegistryScanSummary>(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409).ProducesProblem(502);
        registries.MapPost("/{name}/scan", ScanSelectionAsync).WithName("ScanRegistryRepositories").RequireAuthorization(ServerRoles.CanScan).WithSummary("Scan the named repositories (or globs)")
            .Accepts<RegistryScanSelection>("application/json").Produces<RegistryScanSummary>(StatusCodes.Status202Accepted)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(502);
        registries.MapPost("/{name}/events", NotifyAsync).WithName("RegistryNotification").RequireAuthorization(ServerRoles.CanScan)
            .WithSummary("The registry's push notifications (events v1 or v2 envelope); manifest pushes are scanned")
            .Accepts<JsonElement>(RegistryNotifications.V1MediaType, RegistryNotifications.V2MediaType, "application/json")
            .Produces<NotificationResult>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(415).ProducesProblem(429);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, RegistryStore store, AuditLog audit, TimeProvider time, IOptions<ServerSettings> settings, CancellationToken ct)
    {
        var (input, problem) = await ReadAsync<RegistryInput>(context, settings.Value.MaxRequestBytes, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (record, error) = input!.ToNew(time.GetUtcNow(), AuditLog.ActorOf(context.User));
        if (error is not null)
        {
            return ApiProblems.BadRequest(error);
        }

        if (!await store.CreateAsync(record!, ct))
        {
            return ApiProblems.Conflict($"a registry named {record!.Name} exists: change it with PATCH /api/v1/registries/{record.Name}");
        }

        await audit.WriteAsync(context, "registry.create", record!.Name, Describe(record), ct);
        return Results.Json(await ViewAsync(store, (await store.GetAsync(record.Name, ct))!, ct), statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(RegistryStore store, CancellationToken ct)
    {
        var views = new List<RegistryView>();
        foreach (var record in await store.ListAsync(ct))
        {
            views.Add(await ViewAsync(store, record, ct));
        }

        return Results.Ok(views);
    }

    private static async Task<IResult> GetAsync(string name, RegistryStore store, Scans.ScanQueue queue, CancellationToken ct)
    {
        await queue.GetAsync(ct);
        return await store.GetAsync(name, ct) is { } record ? Results.Ok(await ViewAsync(store, record, ct)) : NotFound(name);
    }

    private static async Task<IResult> ChangeAsync(string name, HttpContext context, RegistryStore store, AuditLog audit, TimeProvider time, IOptions<ServerSettings> settings,
        CancellationToken ct)
    {
        var existing = await store.GetAsync(name, ct);
        if (existing is null)
        {
            return NotFound(name);
        }

        var (input, problem) = await ReadAsync<RegistryInput>(context, settings.Value.MaxRequestBytes, ct);
        if (problem is not null)
        {
            return problem;
        }

        var (record, error) = input!.ApplyTo(existing, time.GetUtcNow(), AuditLog.ActorOf(context.User));
        if (error is not null)
        {
            return ApiProblems.BadRequest(error);
        }

        if (!await store.UpdateAsync(record!, ct))
        {
            return NotFound(name);
        }

        await audit.WriteAsync(context, "registry.update", name, Describe(record!), ct);
        return Results.Ok(await ViewAsync(store, (await store.GetAsync(name, ct))!, ct));
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, RegistryStore store, AuditLog audit, CancellationToken ct)
    {
        if (!await store.DeleteAsync(name, ct))
        {
            return NotFound(name);
        }

        await audit.WriteAsync(context, "registry.delete", name, null, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> ImagesAsync(string name, RegistryStore store, Scans.ScanQueue queue, CancellationToken ct)
    {
        if (await store.GetAsync(name, ct) is null)
        {
            return NotFound(name);
        }

        await queue.GetAsync(ct);
        var images = await store.SettleAndListAsync(name, ct);
        return Results.Ok(images.Select(i => new RegistryImageView(i.Repository, i.Tag, i.Digest,
            i.JobId is not null ? "queued" : i.Failed ? "failed" : i.ScannedDigest == i.Digest ? "scanned" : "not-scanned",
            i.ScannedDigest == i.Digest ? i.ScanId : null, i.Failed ? i.Error : null)).ToList());
    }

    private static Task<IResult> ScanAllAsync(string name, HttpContext context, RegistryStore store, RegistryScanService scans, AuditLog audit, CancellationToken ct) =>
        ScanAsync(name, null, context, store, scans, audit, ct);

    private static async Task<IResult> ScanSelectionAsync(string name, HttpContext context, RegistryStore store, RegistryScanService scans, AuditLog audit,
        IOptions<ServerSettings> settings, CancellationToken ct)
    {
        var (selection, problem) = await ReadAsync<RegistryScanSelection>(context, settings.Value.MaxRequestBytes, ct);
        if (problem is not null)
        {
            return problem;
        }

        if (selection!.Repositories is not { Count: > 0 } repositories || repositories.Any(string.IsNullOrWhiteSpace))
        {
            return ApiProblems.BadRequest("\"repositories\" must name one or more repositories (or globs); to scan everything use POST .../scan-all");
        }

        return await ScanAsync(name, repositories, context, store, scans, audit, ct);
    }

    private static async Task<IResult> ScanAsync(string name, IReadOnlyList<string>? repositories, HttpContext context, RegistryStore store, RegistryScanService scans,
        AuditLog audit, CancellationToken ct)
    {
        if (await store.GetAsync(name, ct) is not { } record)
        {
            return NotFound(name);
        }

        var summary = await scans.TryScanAsync(record, repositories, ct);
        if (summary is null)
        {
            return ApiProblems.Conflict($"a scan of registry {name} is already running; try again when it has finished");
        }

        await audit.WriteAsync(context, "registry.scan", name,
            $"{(repositories is null ? "all" : string.Join(',', repositories))}: {summary.Tags} tags, {summary.Queued} queued, {summary.Rematched} re-matched, {summary.Unchanged} unchanged, {summary.Errors.Count} errors",
            ct);

        // The registry itself failed (sign-in refused, unreachable, rate-limited past the retries): the caller is told so.
        if (summary.Errors.FirstOrDefault(e => e.Repository is null) is { } failure)
        {
            return Results.Problem(failure.Message, statusCode: StatusCodes.Status502BadGateway, title: "Registry scan failed",
                extensions: new Dictionary<string, object?> { ["kind"] = failure.Kind, ["summary"] = summary });
        }

        return Results.Json(summary, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> NotifyAsync(string name, HttpContext context, RegistryStore store, RegistryScanService scans, AuditLog audit, TimeProvider time,
        IOptions<ServerSettings> settings, CancellationToken ct)
    {
        if (await store.GetAsync(name, ct) is not { } record)
        {
            return NotFound(name);
        }

        if (!RegistryNotifications.IsAccepted(context.Request.ContentType))
        {
            return Results.Problem($"notifications are {string.Join(" or ", RegistryNotifications.MediaTypes)}, not '{context.Request.ContentType}'",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");
        }

        var (body, tooLarge) = await ReadBytesAsync(context, settings.Value.MaxRequestBytes, ct);
        if (tooLarge is not null)
        {
            return tooLarge;
        }

        IReadOnlyList<ManifestPush> pushes;
        int ignored;
        try
        {
            (pushes, ignored) = RegistryNotifications.Read(body, time.GetUtcNow());
        }
        catch (JsonException ex)
        {
            return ApiProblems.BadRequest($"malformed notification: {ex.Message}");
        }

        var outcomes = new List<string>();
        var duplicates = 0;
        try
        {
            foreach (var push in pushes)
            {
                if (!await store.FirstSightingAsync(name, push.EventId, ct))
                {
                    duplicates++;
                    continue;
                }

                outcomes.Add(await scans.ConsiderAsync(record, push.Repository, push.Tag, push.Digest, push.At, ct));
            }
        }
        catch (RegistryQueueFullException ex)
        {
            // The registry sends the envelope again later; events already handled are recognised as duplicates then.
            context.Response.Headers.RetryAfter = "30";
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status429TooManyRequests, title: "Scan queue full");
        }

        var result = new NotificationResult(pushes.Count + ignored, pushes.Count, ignored, duplicates, outcomes.Count(o => o == "queued"), outcomes.Count(o => o == "already-queued"),
            outcomes.Count(o => o == "unchanged"), outcomes.Count(o => o == "rematched"), outcomes.Count(o => o == "stale"), outcomes.Count(o => o == "filtered"));
        if (result.Queued > 0 || result.Rematched > 0)
        {
            await audit.WriteAsync(context, "registry.event", name, $"{result.ManifestPushes} manifest pushes: {result.Queued} queued, {result.Rematched} re-matched", ct);
        }

        return Results.Ok(result);
    }

    private static async Task<RegistryView> ViewAsync(RegistryStore store, RegistryRecord record, CancellationToken ct)
    {
        var counts = RegistryStore.CountsOf(await store.SettleAndListAsync(record.Name, ct));
        return new RegistryView(record.Name, record.Url, record.Insecure, record.Auth, record.Username, record.CredentialHelper, record.Secret is not null, record.Filters,
            record.Schedule, record.NextRunAt, record.LastScanAt, counts.Images, counts.Scanned, counts.Failed, counts.Pending,
            record.LastErrorKind is null ? null : new RegistryErrorView(record.LastErrorKind, record.LastError ?? record.LastErrorKind, record.LastErrorAt),
            record.Errors, record.CreatedAt, record.UpdatedAt, record.UpdatedBy);
    }

    /// <summary>What the audit log says of a registry's settings: never the secret.</summary>
    internal static string Describe(RegistryRecord record) =>
        $"url={record.Url} auth={record.Auth}{(record.Username is null ? "" : $" user={record.Username}")}{(record.CredentialHelper is null ? "" : $" helper={record.CredentialHelper}")}"
        + (record.Schedule is null ? "" : $" schedule='{record.Schedule}'");

    private static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext context, long limit, CancellationToken ct)
        where T : class
    {
        var (body, tooLarge) = await ReadBytesAsync(context, limit, ct);
        if (tooLarge is not null)
        {
            return (null, tooLarge);
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, Json) is { } value ? (value, null) : (null, ApiProblems.BadRequest("the body must be a JSON object"));
        }
        catch (JsonException ex)
        {
            return (null, ApiProblems.BadRequest($"malformed request: {ex.Message}"));
        }
    }

    private static async Task<(byte[] Body, IResult? Problem)> ReadBytesAsync(HttpContext context, long limit, CancellationToken ct)
    {
        if (context.Request.ContentLength > limit)
        {
            return ([], Results.Problem($"request body larger than {limit} bytes", statusCode: StatusCodes.Status413PayloadTooLarge));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return ([], Results.Problem($"request body larger than {limit} bytes", statusCode: StatusCodes.Status413PayloadTooLarge));
            }
        }

        return (buffer.ToArray(), null);
    }

    private static IResult NotFound(string name) => ApiProblems.NotFound($"no registry named {name}");
}
