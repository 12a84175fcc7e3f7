using Microsoft.AspNetCore.Http;

namespace Comb.Server.Harbor;

/// <summary>
/// Harbor's "X-ScannerAdapter-API-Key" access mode: the token in a header of its own, accepted on the adapter's routes
/// only (the rest of the API keeps to "Authorization: Bearer").
/// </summary>
internal static class HarborAuth
{
    public const string ApiKeyHeader = "X-ScannerAdapter-API-Key";

    public static string? ApiKey(HttpRequest request) =>
        request.Path.StartsWithSegments("/harbor", StringComparison.Ordinal) && request.Headers[ApiKeyHeader].ToString() is { Length: > 0 } key ? key.Trim() : null;
}
