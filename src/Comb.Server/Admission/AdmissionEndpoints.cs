using System.Globalization;
using System.Text.Json;
using Comb.Server.Api;
using Comb.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Comb.Server.Admission;

/// <summary>
/// POST /admission/v1/validate (the webhook, called by the API server without a token) and
/// GET /api/v1/admission/decisions (the audit trail, any role).
/// </summary>
internal static class AdmissionEndpoints
{
    /// <summary>Pod specs are small, but a review carries the object (and the old one on updates): the API server's own limit.</summary>
    private const int MaxReviewBytes = 3 * 1024 * 1024;

    public static void MapWebhook(WebApplication app) =>
        app.MapPost("/admission/v1/validate", ValidateAsync).AllowAnonymous()
            .WithTags("admission").WithName("ValidateAdmission").WithSummary("Kubernetes validating admission webhook (AdmissionReview admission.k8s.io/v1)")
            .Accepts<AdmissionReview>("application/json").Produces<AdmissionReview>().ProducesProblem(StatusCodes.Status400BadRequest);

    public static void MapDecisions(RouteGroupBuilder api) =>
        api.MapGet("/admission/decisions", async (string? @namespace, string? image, bool? allowed, int? limit, AdmissionDecisionLog log, CancellationToken ct) =>
        {
            if (!ApiProblems.TryLimit(limit, 100, 10_000, out var take, out var problem))
            {
                return problem!;
            }

            return Results.Ok(await log.ReadAsync(new AdmissionDecisionQuery(@namespace, image, allowed, take), ct));
        })
        .RequireAuthorization(ServerRoles.CanRead)
        .WithTags("admission").WithName("ReadAdmissionDecisions").WithSummary("Admission decisions (who asked, namespace, image, allowed or why not), newest first")
        .Produces<IReadOnlyList<AdmissionDecisionEntry>>().ProducesProblem(StatusCodes.Status400BadRequest);

    private static async Task<IResult> ValidateAsync(HttpContext context, AdmissionReviewer reviewer, TimeProvider time, CancellationToken ct)
    {
        // The API server's clock runs from the request: so does the budget, reading and parsing included.
        var arrived = time.GetTimestamp();
        AdmissionReview? review;
        try
        {
            review = await ReadAsync(context.Request, ct);
        }
        catch (JsonException ex)
        {
            return BadRequest($"the body is not an AdmissionReview: {ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            return BadRequest(ex.Message);
        }

        if (review?.ApiVersion != AdmissionReview.V1 || review.Kind != AdmissionReview.ReviewKind)
        {
            return BadRequest($"expected apiVersion {AdmissionReview.V1} and kind {AdmissionReview.ReviewKind} (got '{review?.ApiVersion}', '{review?.Kind}')");
        }

        var request = review.Request;
        if (request is null || string.IsNullOrWhiteSpace(request.Uid))
        {
            return BadRequest("the AdmissionReview has no request or no request.uid");
        }

        IReadOnlyList<ContainerImage> images = [];
        if (request.Object is { ValueKind: JsonValueKind.Object } obj && request.Operation is not "DELETE")
        {
            try
            {
                images = WorkloadImages.Of(request.Kind?.Kind, obj) ?? [];
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                return BadRequest($"request.object is not a valid {request.Kind?.Kind}: {ex.Message}");
            }
        }
        else if (request.Operation is "CREATE" or "UPDATE")
        {
            return BadRequest($"request.object is missing for a {request.Operation}");
        }

        var budget = reviewer.Budget(Timeout(context.Request.Query["timeout"])) - time.GetElapsedTime(arrived);
        var response = await reviewer.ReviewAsync(request, images, budget, ct);
        return Results.Json(AdmissionReview.Answer(review.ApiVersion, response), AdmissionReview.Json);
    }

    private static async Task<AdmissionReview?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxReviewBytes)
        {
            throw new InvalidDataException($"the review is larger than {MaxReviewBytes} bytes");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxReviewBytes)
            {
                throw new InvalidDataException($"the review is larger than {MaxReviewBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return JsonSerializer.Deserialize<AdmissionReview>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), AdmissionReview.Json);
    }

    /// <summary>The API server's own deadline, sent as ?timeout=10s (a Go duration: 10s, 1500ms, 1m0s).</summary>
    internal static TimeSpan? Timeout(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var total = TimeSpan.Zero;
        var rest = value.AsSpan();
        while (rest.Length > 0)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            var unit = digits;
            while (unit < rest.Length && char.IsAsciiLetter(rest[unit]))
            {
                unit++;
            }

            if (digits == 0 || !double.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return null;
            }

            switch (rest[digits..unit])
            {
                case "ms": total += TimeSpan.FromMilliseconds(number); break;
                case "s": total += TimeSpan.FromSeconds(number); break;
                case "m": total += TimeSpan.FromMinutes(number); break;
                default: return null;
            }

            rest = rest[unit..];
        }

        return total > TimeSpan.Zero ? total : null;
    }

    private static IResult BadRequest(string detail) =>
        Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Malformed AdmissionReview");
}
