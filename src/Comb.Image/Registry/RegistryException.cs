using System.Net;
using Comb.Contracts;

namespace Comb.Image.Registry;

/// <summary>A registry refused or failed a request; the message says what, where and why (never a secret).</summary>
public sealed class RegistryException : CombInputException
{
    public RegistryException(string message, HttpStatusCode? statusCode = null, string? errorCode = null, Exception? inner = null, CombErrorKind? kind = null)
        : base(message, inner!) // Exception accepts a null inner exception.
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        Kind = kind ?? KindOf(statusCode);
    }

    /// <summary>Without a status the registry answered something unusable (bad data); with one, the status says.</summary>
    private static CombErrorKind KindOf(HttpStatusCode? status) => status switch
    {
        null => CombErrorKind.BadInput,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => CombErrorKind.Unauthorized,
        HttpStatusCode.NotFound => CombErrorKind.NotFound,
        HttpStatusCode.RequestEntityTooLarge => CombErrorKind.LimitExceeded,
        _ when (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => CombErrorKind.UpstreamFailure,
        _ => CombErrorKind.BadInput,
    };

    /// <summary>HTTP status of the failed response, when there was one.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Distribution error code (MANIFEST_UNKNOWN, UNAUTHORIZED, ...), when the registry sent one.</summary>
    public string? ErrorCode { get; }
}
