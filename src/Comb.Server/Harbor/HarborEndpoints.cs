using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Comb.Contracts;
using Comb.Jobs;
using Comb.Server.Auth;
using Comb.Server.Data;
using Comb.Server.Scans;
using Comb.VulnDb.Database;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Comb.Server.Harbor;

/// <summary>
/// Harbor's pluggable scanner API v1.2 under /harbor/api/v1 (register http://HOST:PORT/harbor as the scanner URL):
/// metadata, scan submission through the server's queue, and reports that Harbor polls until they are ready.
/// Harbor authenticates with a Comb token: "Bearer TOKEN", or "X-ScannerAdapter-API-Key: TOKEN" (scanner or admin
/// role to submit, any role to read). Errors use the spec's envelope, {"error": {"message": "..."}}.
/// </summary>
internal static class HarborEndpoints
{
    public const string BasePath = "/harbor/api/v1";

    public static void Map(WebApplication app)
    {
        var harbor = app.MapGroup(BasePath).RequireAuthorization(ServerRoles.CanRead).WithTags("harbor");
        harbor.MapGet("/metadata", Metadata).Produces<HarborMetadata>(200, HarborMediaTypes.Metadata);
        harbor.MapPost("/scan", SubmitAsync).RequireAuthorization(ServerRoles.CanScan)
            // Harbor's own client labels every request version 1.0 whatever spec version it speaks; the body is the same.
            .Accepts<HarborScanRequest>("application/vnd.scanner.adapter.scan.request+json; version=1.1",
                "application/vnd.scanner.adapter.scan.request+json; version=1.0", "application/vnd.scanner.adapter.scan.request+json",
                "application/json")
            .Produces<HarborScanResponse>(202, HarborMediaTypes.ScanResponse)
            .Produces<HarborErrorResponse>(400, HarborMediaTypes.Error).Produces<HarborErrorResponse>(422, HarborMediaTypes.Error);
        harbor.MapGet("/scan/{scanRequestId}/report", ReportAsync)
            .Produces<HarborVulnerabilityReport>(200, HarborMediaTypes.VulnerabilityReport).Produces(302)
            .Produces<HarborErrorResponse>(400, HarborMediaTypes.Error).Produces<HarborErrorResponse>(404, HarborMediaTypes.Error)
            .Produces<HarborErrorResponse>(500, HarborMediaTypes.Error);
    }

    private static IResult Metadata(AdvisoryDbVersion database)
    {
        var properties = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["harbor.scanner-adapter/scanner-type"] = "os-package-vulnerability",
            ["harbor.scanner-adapter/vulnerability-database-updated-at"] = AdvisoryDbMetadata.TryRead(database.Path) is { } info ? HarborReports.Timestamp(info.BuiltAt) : "",
            ["env.COMB_SCANNERS"] = Scanners.Vuln,
        };
        var metadata = new HarborMetadata(HarborReports.Scanner,
        [
            new("vulnerability", HarborMediaTypes.Consumed, [HarborMediaTypes.VulnerabilityReport, HarborMediaTypes.LegacyVulnerabilityReport]),
            new("sbom", HarborMediaTypes.Consumed, [HarborMediaTypes.SbomReport],
                new Dictionary<string, IReadOnlyList<string>> { ["sbom_media_types"] = HarborMediaTypes.SbomFormats }),
        ], properties);
        return Json(metadata, 200, HarborMediaTypes.Metadata);
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, ScanQueue queue, AdvisoryDbVersion database, AuditLog audit, IOptions<ServerSettings> settings, CancellationToken ct)
    {
        var limit = settings.Value.MaxRequestBytes;
        if (context.Request.ContentLength > limit)
        {
            return Error(413, $"request body larger than {limit} bytes");
        }

        HarborScanRequest? harbor;
        try
        {
            var body = await ReadLimitedAsync(context.Request.Body, limit, ct);
            if (body is null)
            {
                return Error(413, $"request body larger than {limit} bytes");
            }

            harbor = JsonSerializer.Deserialize<HarborScanRequest>(body, HarborJson.Options);
        }
        catch (JsonException ex)
        {
            return Error(400, $"malformed scan request: {ex.Message}");
        }

        if (harbor is null)
        {
            return Error(400, "the body must be a JSON object");
        }

        var (reports, status, unsupported) = HarborCapabilities.Parse(harbor.EnabledCapabilities);
        if (unsupported is not null)
        {
            return Error(status, unsupported);
        }

        var (request, problem) = HarborScanRequests.ToScanRequest(harbor);
        if (problem is not null)
        {
            return Error(422, problem);
        }

        var job = new ScanJob(request!);
        var jobs = await queue.GetAsync(ct);
        var enqueued = await jobs.EnqueueAsync(new JobRequest(ScanJob.Kind, job.ToJson(), ScanRequests.DedupeKey(job, database.Current())), ct);
        if (enqueued.Outcome == EnqueueOutcome.QueueFull)
        {
            var seconds = (int)Math.Ceiling(enqueued.RetryAfter!.Value.TotalSeconds);
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Error(429, $"the scan queue is full; try again in {seconds} s");
        }

        await audit.WriteAsync(context, "harbor.scan.submit", enqueued.JobId,
            $"image={request!.Image}" + (enqueued.Outcome == EnqueueOutcome.Merged ? " (merged into a pending identical scan)" : ""), ct);
        return Json(new HarborScanResponse(HarborCapabilities.ScanId(enqueued.JobId!, reports)), 202, HarborMediaTypes.ScanResponse);
    }

    private static async Task<IResult> ReportAsync(string scanRequestId, HttpContext context, ScanQueue queue, IEnumerable<IReportWriter> writers,
        IOptions<HarborSettings> settings, CancellationToken ct)
    {
        if (!HarborCapabilities.TryParseScanId(scanRequestId, out var jobId, out var enabled))
        {
            return Error(404, $"no scan request {scanRequestId}");
        }

        var wanted = HarborAccept.Choose(context.Request.Headers.Accept.ToString(), enabled);
        if (wanted is null)
        {
            return Error(400, $"Accept must name {HarborMediaTypes.VulnerabilityReport} or {HarborMediaTypes.SbomReport}");
        }

        string? sbomFormat = null;
        if (wanted == HarborMediaTypes.SbomReport)
        {
            sbomFormat = context.Request.Query["sbom_media_type"].ToString();
            if (!HarborMediaTypes.SbomFormats.Contains(sbomFormat, StringComparer.Ordinal))
            {
                return Error(400, $"an SBOM report needs ?sbom_media_type= {string.Join(" or ", HarborMediaTypes.SbomFormats)}");
            }
        }

        // Only the reports the scan request enabled (enabled_capabilities) are given.
        if (!enabled.HasFlag(HarborCapabilities.ForMediaType(wanted, sbomFormat)))
        {
            return Error(400, $"scan request {scanRequestId} did not enable {wanted}{(sbomFormat is null ? "" : $" as {sbomFormat}")}; it enabled {HarborCapabilities.Describe(enabled)}");
        }

        var record = await (await queue.GetAsync(ct)).GetAsync(jobId, ct);
        if (record is not { Kind: ScanJob.Kind })
        {
            return Error(404, $"no scan request {scanRequestId}");
        }

        switch (record.State)
        {
            case JobState.Queued or JobState.Running:
                context.Response.Headers["Refresh-After"] = Math.Max(1, settings.Value.HarborRefreshAfterSeconds).ToString(CultureInfo.InvariantCulture);
                // No Location: Harbor's client (Go's net/http) would follow it instead of waiting Refresh-After seconds.
                return Results.StatusCode(302);
            case JobState.Succeeded when ScanJobResult.FromJson(record.Result) is { } result:
                var report = result.PresentedReport();
                if (sbomFormat is null)
                {
                    return Json(HarborReports.Vulnerabilities(report), 200, wanted);
                }

                var writer = writers.First(w => w.Format == (sbomFormat == HarborMediaTypes.Spdx ? "spdx" : "cyclonedx"));
                using (var buffer = new MemoryStream())
                {
                    await writer.WriteAsync(report, buffer, ct);
                    var document = JsonNode.Parse(buffer.ToArray())!;
                    return Json(HarborReports.Sbom(report, sbomFormat, document), 200, wanted);
                }

            default:
                var reason = record.State == JobState.Cancelled ? "the scan was cancelled" : $"{record.ErrorKind ?? "failed"}: {record.LastError ?? "the scan failed"}";
                return Error(500, $"scan {scanRequestId} failed: {reason}");
        }
    }

    private static async Task<byte[]?> ReadLimitedAsync(Stream body, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                return null;
            }
        }

        return buffer.ToArray();
    }

    private static IResult Json<T>(T value, int status, string contentType) => Results.Json(value, HarborJson.Options, contentType, status);

    internal static IResult Error(int status, string message) => Json(new HarborErrorResponse(new HarborError(message)), status, HarborMediaTypes.Error);
}

/// <summary>Which report an Accept header asks for; Harbor sends one media type with a version parameter.</summary>
internal static class HarborAccept
{
    private static readonly string[] Produced = [HarborMediaTypes.VulnerabilityReport, HarborMediaTypes.LegacyVulnerabilityReport, HarborMediaTypes.SbomReport];

    /// <summary>
    /// The produced media type named (whitespace and case aside); for none or */* the first report the request enabled
    /// (the vulnerability report when it enabled that); null for others.
    /// </summary>
    public static string? Choose(string accept, HarborReportSet enabled = HarborReportSet.All)
    {
        var asked = accept.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (asked.Length == 0)
        {
            return Default(enabled);
        }

        foreach (var item in asked)
        {
            var key = Key(item);
            if (Produced.FirstOrDefault(p => Key(p) == key) is { } match)
            {
                return match;
            }

            if (key is "*/*" or "application/*" or "application/json")
            {
                return Default(enabled);
            }
        }

        return null;
    }

    /// <summary>The one of <paramref name="candidates"/> naming the same media type as <paramref name="mediaType"/>, or null.</summary>
    public static string? Find(string mediaType, IReadOnlyList<string> candidates) => candidates.FirstOrDefault(c => Key(c) == Key(mediaType));

    private static string Default(HarborReportSet enabled) =>
        enabled.HasFlag(HarborReportSet.Vulnerability) ? HarborMediaTypes.VulnerabilityReport
        : enabled.HasFlag(HarborReportSet.LegacyVulnerability) ? HarborMediaTypes.LegacyVulnerabilityReport
        : HarborMediaTypes.SbomReport;

    private static string Key(string mediaType)
    {
        var parts = mediaType.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => !p.StartsWith("q=", StringComparison.OrdinalIgnoreCase));
        return string.Join(';', parts.Select(p => p.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant()));
    }
}
