using System.Net;
using Comb.Contracts;

namespace Comb.Image.Registry;

/// <summary>A registry refused or failed a request; the message says what, where and why (never a secret).</summary>
public sealed class RegistryException : CombInputException
{
    public RegistryException(string message, HttpStatusCode? statusCode = null, string? errorCode = null, Exception? inner = null)
        : base(message, inner!) // Exception accepts a null inner exception.
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>HTTP status of the failed response, when there was one.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Distribution error code (MANIFEST_UNKNOWN, UNAUTHORIZED, ...), when the registry sent one.</summary>
    public string? ErrorCode { get; }
}
