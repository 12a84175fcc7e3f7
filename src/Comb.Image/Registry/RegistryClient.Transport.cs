using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Comb.Contracts;
using Polly.Timeout;

namespace Comb.Image.Registry;

/// <summary>What a request is about, to word a 404 well.</summary>
internal enum ResourceKind
{
    Manifest,
    Blob,
    Upload,
    Repository,
}

/// <summary>One logical registry request; <see cref="Content"/> is a factory so the request can be sent again.</summary>
internal sealed record RegistryRequest
{
    public required HttpMethod Method { get; init; }

    /// <summary>Path and query below the registry root (<c>/v2/...</c>); or use <see cref="Absolute"/>.</summary>
    public string? Path { get; init; }

    public Uri? Absolute { get; init; }

    public required string Scope { get; init; }

    public required string What { get; init; }

    public required ResourceKind Kind { get; init; }

    public IReadOnlyList<string>? Accept { get; init; }

    public Func<HttpContent>? Content { get; init; }
}

public sealed partial class RegistryClient
{
    /// <summary>Sends a request and turns a failed response into a <see cref="RegistryException"/>.</summary>
    private async Task<HttpResponseMessage> SendCheckedAsync(RegistryRequest request, CancellationToken cancellationToken)
    {
        var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, request, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends a request: answers auth challenges and follows redirects (each HTTP exchange retried by the transport).
    /// Returns the response with headers read (any status); the caller checks the status.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(RegistryRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAuthorizedAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (!_options.Insecure && RegistryHttp.IsTlsHandshakeFailure(ex))
        {
            throw new RegistryException(
                $"{request.What}: TLS connection to {_host} failed ({RegistryHttp.Innermost(ex).Message}); for a self-signed certificate or a plain-HTTP registry use --insecure-registry",
                inner: ex,
                kind: CombErrorKind.UpstreamFailure);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            var attempts = Math.Max(1, _options.MaxAttempts);
            throw new RegistryException($"{request.What}: {_host} could not be reached after {attempts} attempts: {Unreachable(ex)}", inner: ex, kind: CombErrorKind.UpstreamFailure);
        }
    }

    /// <summary>One HTTP exchange through the transport's retry pipeline, with this client's limits.</summary>
    private Task<HttpResponseMessage> SendOneAsync(HttpRequestMessage message, string what, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        message.Options.Set(RegistryHttp.SettingsKey, RegistryRetrySettings.From(_options, what));
        return _http.SendAsync(message, completion, cancellationToken);
    }

    /// <summary>One attempt: send with the auth we have; on 401 learn the challenge and resend once.</summary>
    private async Task<HttpResponseMessage> SendAuthorizedAsync(RegistryRequest request, CancellationToken cancellationToken)
    {
        var sent = await _auth.HeaderForAsync(request.Scope, cancellationToken).ConfigureAwait(false);
        var response = await SendOnceAsync(request, sent, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        bool retry;
        try
        {
            retry = await _auth.OnChallengeAsync(response, request.Scope, sent, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        if (!retry)
        {
            return response;
        }

        response.Dispose();
        var renewed = await _auth.HeaderForAsync(request.Scope, cancellationToken).ConfigureAwait(false);
        return await SendOnceAsync(request, renewed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends once, choosing HTTPS or (insecure mode, when HTTPS fails) HTTP the first time.</summary>
    private async Task<HttpResponseMessage> SendOnceAsync(RegistryRequest request, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        if (_scheme is not null || request.Absolute is not null)
        {
            return await SendFollowingRedirectsAsync(request, _scheme ?? Uri.UriSchemeHttps, authorization, cancellationToken).ConfigureAwait(false);
        }

        HttpResponseMessage response;
        try
        {
            response = await SendFollowingRedirectsAsync(request, Uri.UriSchemeHttps, authorization, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (RegistryHttp.IsTlsHandshakeFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            // Only a failed TLS handshake means "this port speaks plain HTTP"; a refused or reset connection is
            // retried as HTTPS by the caller instead of locking in HTTP.
            response = await SendFollowingRedirectsAsync(request, Uri.UriSchemeHttp, authorization, cancellationToken).ConfigureAwait(false);
            _scheme = Uri.UriSchemeHttp;
            _transport.RememberInsecureScheme(_host, _scheme);
            LogPlainHttp(_logger, _host, null);
            return response;
        }

        _scheme = Uri.UriSchemeHttps;
        _transport.RememberInsecureScheme(_host, _scheme);
        return response;
    }

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(RegistryRequest request, string scheme, AuthenticationHeaderValue? authorization, CancellationToken cancellationToken)
    {
        var uri = request.Absolute ?? new Uri($"{scheme}://{_host}{request.Path}");
        for (var hop = 0; ; hop++)
        {
            using var message = new HttpRequestMessage(request.Method, uri);
            if (request.Accept is not null)
            {
                foreach (var type in request.Accept)
                {
                    message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                }
            }

            // Credentials go only to the registry itself, never to a CDN or storage host a redirect points at.
            if (authorization is not null && string.Equals(uri.Authority, _host, StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Authorization = authorization;
            }

            if (request.Content is not null)
            {
                message.Content = request.Content();
            }

            var response = await SendOneAsync(message, request.What, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);

            if (!IsRedirect(response.StatusCode) || (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head))
            {
                return response;
            }

            var location = response.Headers.Location;
            response.Dispose();
            if (location is null)
            {
                throw new RegistryException($"{request.What}: redirect without a Location header");
            }

            if (hop >= MaxRedirects)
            {
                throw new RegistryException($"{request.What}: more than {MaxRedirects} redirects", kind: CombErrorKind.LimitExceeded);
            }

            uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
            if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            {
                throw new RegistryException($"{request.What}: redirect to an unsupported URL scheme '{uri.Scheme}'");
            }
        }
    }

    /// <summary>Turns a failed response into a <see cref="RegistryException"/> with the registry's own error text.</summary>
    private async Task EnsureSuccessAsync(HttpResponseMessage response, RegistryRequest request, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var (what, kind) = (request.What, request.Kind);
        var (code, message) = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        var detail = message is null ? string.Empty : $" (registry says: {message})";
        var status = response.StatusCode;
        var text = status switch
        {
            HttpStatusCode.Unauthorized => $"unauthorized: {what}: {CredentialHint()}{detail}",
            HttpStatusCode.Forbidden => $"denied: {what}: access refused{(_auth.Credentials is null ? " to anonymous requests" : $" for {_auth.Credentials}")}{detail}",
            HttpStatusCode.NotFound => NotFoundText(code, what, kind) + detail,
            HttpStatusCode.TooManyRequests => $"too many requests: {what}: {_host} is rate limiting{detail}",
            _ => $"{what}: {_host} answered {(int)status} {response.ReasonPhrase}{detail}",
        };
        throw new RegistryException(text, status, code);
    }

    private string CredentialHint() => _auth.Credentials is null
        ? "the registry requires authentication and no credentials were given (use --username/--password, COMB_USERNAME/COMB_PASSWORD, or docker login)"
        : $"the registry rejected the {_auth.Credentials}";

    private static string NotFoundText(string? code, string what, ResourceKind kind) => code switch
    {
        "NAME_UNKNOWN" => $"repository unknown: {what}: the repository does not exist",
        "MANIFEST_UNKNOWN" => $"manifest unknown: {what} does not exist",
        "BLOB_UNKNOWN" => $"blob unknown: {what} does not exist",
        "BLOB_UPLOAD_UNKNOWN" => $"blob upload unknown: {what}",
        _ => kind switch
        {
            ResourceKind.Manifest => $"manifest unknown: {what} does not exist",
            ResourceKind.Blob => $"blob unknown: {what} does not exist",
            ResourceKind.Repository => $"repository unknown: {what}",
            _ => $"not found: {what}",
        },
    };

    private static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBodyBytes];
            var total = 0;
            int n;
            while (total < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += n;
            }

            var errors = JsonSerializer.Deserialize(buffer.AsSpan(0, total), RegistryJsonContext.Default.RegistryErrorList)?.Errors;
            var first = errors?.FirstOrDefault();
            return first is null ? (null, null) : (first.Code, string.Join("; ", errors!.Select(e => $"{e.Code}: {e.Message}")));
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            return (null, null);
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>A network failure or missing answer left after the transport's retries (not a cancellation by the caller).</summary>
    private static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is HttpRequestException or IOException or TimeoutRejectedException;

    private string Unreachable(Exception ex) => ex is TimeoutRejectedException
        ? $"no response within {_options.RequestTimeout.TotalSeconds:0.#} s"
        : RegistryHttp.Innermost(ex).Message;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Host}: HTTPS failed, using plain HTTP (insecure registry)")]
    private static partial void LogPlainHttp(ILogger logger, string host, Exception? error);
}
