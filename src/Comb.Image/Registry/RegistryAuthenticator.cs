using Comb.Contracts;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Comb.Image.Registry;

/// <summary>
/// Decides the Authorization header for a registry request. Learns the scheme from the registry's
/// <c>WWW-Authenticate</c> challenge: Basic sends the credentials on every request; Bearer exchanges them
/// (or nothing, anonymously) at the token realm for a token per scope, cached until shortly before it expires.
/// What it learns lives in a shared <see cref="RegistryAccount"/>, so every image of a registry and account uses it.
/// </summary>
internal sealed class RegistryAuthenticator(
    Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> send,
    RegistryCredentials? credentials,
    string registry,
    RegistryAccount account)
{
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MinimumLifetime = TimeSpan.FromSeconds(60);

    public RegistryCredentials? Credentials => credentials;

    /// <summary>The header to send up front for a request needing <paramref name="scope"/>, or null to go anonymous.</summary>
    public async Task<AuthenticationHeaderValue?> HeaderForAsync(string scope, CancellationToken cancellationToken)
    {
        if (credentials?.RegistryToken is { } registryToken)
        {
            return new AuthenticationHeaderValue("Bearer", registryToken);
        }

        if (account.Bearer is { } bearer)
        {
            var token = await TokenAsync(bearer, scope, rejected: null, cancellationToken).ConfigureAwait(false);
            return new AuthenticationHeaderValue("Bearer", token);
        }

        return account.Basic && credentials is { HasPassword: true } ? BasicHeader(credentials) : null;
    }

    /// <summary>
    /// Reacts to a 401 for a request sent with <paramref name="sent"/>: learns the scheme and gets a fresh token
    /// when the registry wants Bearer. Returns whether resending the request with new authorization is worth it.
    /// </summary>
    public async Task<bool> OnChallengeAsync(HttpResponseMessage unauthorized, string scope, AuthenticationHeaderValue? sent, CancellationToken cancellationToken)
    {
        var challenges = unauthorized.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values)
            ? values.SelectMany(AuthChallenge.Parse).ToList()
            : [];
        var bearer = challenges.FirstOrDefault(c => c.IsBearer && !string.IsNullOrEmpty(c.Realm));
        if (bearer is not null)
        {
            if (credentials?.RegistryToken is not null)
            {
                return false;
            }

            account.Bearer = bearer;
            var rejected = sent?.Scheme == "Bearer" ? sent.Parameter : null;
            await TokenAsync(bearer, scope, rejected ?? string.Empty, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (challenges.Any(c => c.IsBasic) && !account.Basic && credentials is { HasPassword: true })
        {
            account.Basic = true;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The token for <paramref name="scope"/>: the cached one while fresh, unless it is the one the registry just
    /// <paramref name="rejected"/> (empty: anything cached before the challenge counts as rejected unless another
    /// request already replaced it).
    /// </summary>
    private async Task<string> TokenAsync(AuthChallenge challenge, string scope, string? rejected, CancellationToken cancellationToken)
    {
        if (Usable(account.FreshToken(scope), rejected) is { } cached)
        {
            return cached;
        }

        await account.TokenLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Usable(account.FreshToken(scope), rejected) is { } again)
            {
                return again;
            }

            // The challenge may name a scope of its own (e.g. pull,push for an upload); ask for both.
            var scopes = new SortedSet<string>(StringComparer.Ordinal) { scope };
            if (!string.IsNullOrEmpty(challenge.Scope))
            {
                foreach (var s in challenge.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    scopes.Add(s);
                }
            }

            var (token, expiresAt) = await RequestTokenAsync(challenge, scopes, cancellationToken).ConfigureAwait(false);
            account.Store(scope, token, expiresAt);
            return token;
        }
        finally
        {
            account.TokenLock.Release();
        }
    }

    /// <summary>A cached token is usable unless it is the rejected one; after an anonymous 401 (rejected empty) none was sent, so any fresh one is.</summary>
    private static string? Usable(string? cached, string? rejected) =>
        cached is not null && !string.Equals(cached, rejected, StringComparison.Ordinal) ? cached : null;

    private async Task<(string Token, DateTimeOffset ExpiresAt)> RequestTokenAsync(AuthChallenge challenge, IEnumerable<string> scopes, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp))
        {
            throw new RegistryException($"unauthorized: {registry} sent a token realm that is not an http(s) URL: '{challenge.Realm}'");
        }

        var scopeList = scopes.ToList();
        HttpResponseMessage response;
        if (credentials?.IdentityToken is { } refreshToken)
        {
            response = await PostRefreshTokenAsync(realm, challenge.Service, scopeList, refreshToken, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var query = new StringBuilder();
            if (!string.IsNullOrEmpty(challenge.Service))
            {
                query.Append("service=").Append(Uri.EscapeDataString(challenge.Service));
            }

            foreach (var s in scopeList)
            {
                query.Append(query.Length > 0 ? "&" : string.Empty).Append("scope=").Append(Uri.EscapeDataString(s));
            }

            var builder = new UriBuilder(realm);
            builder.Query = string.IsNullOrEmpty(builder.Query) ? query.ToString() : builder.Query.TrimStart('?') + "&" + query;
            using var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
            if (credentials is { HasPassword: true })
            {
                request.Headers.Authorization = BasicHeader(credentials);
            }

            response = await send(request, cancellationToken).ConfigureAwait(false);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                var who = credentials is null ? "anonymous access" : credentials.ToString();
                throw new RegistryException(
                    $"unauthorized: the token server of {registry} ({realm.GetLeftPart(UriPartial.Path)}) refused {who} for {string.Join(" ", scopeList)}",
                    response.StatusCode, "UNAUTHORIZED");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new RegistryException(
                    $"the token server of {registry} ({realm.GetLeftPart(UriPartial.Path)}) answered {(int)response.StatusCode} {response.ReasonPhrase}",
                    response.StatusCode);
            }

            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            TokenResponse? parsed;
            try
            {
                parsed = JsonSerializer.Deserialize(body, RegistryJsonContext.Default.TokenResponse);
            }
            catch (JsonException ex)
            {
                throw new RegistryException($"the token server of {registry} returned something that is not JSON", inner: ex, kind: CombErrorKind.UpstreamFailure);
            }

            var token = !string.IsNullOrEmpty(parsed?.Token) ? parsed.Token : parsed?.AccessToken;
            if (string.IsNullOrEmpty(token))
            {
                throw new RegistryException($"the token server of {registry} returned no token", kind: CombErrorKind.UpstreamFailure);
            }

            var lifetime = parsed!.ExpiresIn is { } seconds ? TimeSpan.FromSeconds(seconds) : MinimumLifetime;
            if (lifetime < MinimumLifetime)
            {
                lifetime = MinimumLifetime;
            }

            // Expiry counts from when the token arrived: a token server's clock may differ from ours.
            return (token, account.Now + lifetime - ExpiryMargin);
        }
    }

    /// <summary>OAuth2 refresh-token grant for identity tokens; registries without it answer 404/405 and get a GET instead.</summary>
    private async Task<HttpResponseMessage> PostRefreshTokenAsync(Uri realm, string? service, List<string> scopes, string refreshToken, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "refresh_token"),
            new("refresh_token", refreshToken),
            new("client_id", "comb"),
            new("scope", string.Join(' ', scopes)),
        };
        if (!string.IsNullOrEmpty(service))
        {
            form.Add(new("service", service));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        var response = await send(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            response.Dispose();
            throw new RegistryException($"the token server of {registry} does not support OAuth2 refresh tokens (identitytoken); log in with a password instead");
        }

        return response;
    }

    internal static AuthenticationHeaderValue BasicHeader(RegistryCredentials credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
}
