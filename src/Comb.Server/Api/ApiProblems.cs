using Microsoft.AspNetCore.Http;

namespace Comb.Server.Api;

/// <summary>The problem answers the read-and-manage endpoints share (RFC 9457 problem details).</summary>
internal static class ApiProblems
{
    public static IResult NotFound(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static IResult BadRequest(string detail, IReadOnlyList<string>? errors = null) =>
        Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
            extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors });

    public static IResult Conflict(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    /// <summary>A "limit" query value: absent gives the default; otherwise 1..max.</summary>
    public static bool TryLimit(int? limit, int fallback, int max, out int value, out IResult? problem)
    {
        value = limit ?? fallback;
        problem = value is < 1 || value > max ? BadRequest($"limit must be between 1 and {max}") : null;
        return problem is null;
    }
}
