using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Comb.Server.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Comb.Server.WebConsole;

/// <summary>
/// The console's session: a cookie holding the API token, encrypted with the host's in-memory data-protection key and
/// stamped with its issue time. Every request looks the token up again, so a revoked token ends its sessions at once;
/// a restart of the server ends them all (the key is not kept).
/// </summary>
public sealed class ConsoleSessions(IDataProtectionProvider protection, TimeProvider time)
{
    public const string CookieName = "comb_session";

    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly IDataProtector _protector = protection.CreateProtector("Comb.Console.Session.v1");

    /// <summary>Key for CSRF tokens: random per process, like the sessions it protects.</summary>
    private readonly byte[] _csrfKey = RandomNumberGenerator.GetBytes(32);

    public string Issue(string secret) =>
        _protector.Protect(time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "\n" + secret);

    /// <summary>The token secret of a live session cookie, or null (tampered, from another process, or too old).</summary>
    public string? Read(string cookie)
    {
        string plain;
        try
        {
            plain = _protector.Unprotect(cookie);
        }
        catch (CryptographicException)
        {
            return null;
        }

        var newline = plain.IndexOf('\n', StringComparison.Ordinal);
        if (newline <= 0 || !long.TryParse(plain[..newline], NumberStyles.None, CultureInfo.InvariantCulture, out var issued))
        {
            return null;
        }

        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(issued);
        return age < TimeSpan.Zero || age > Lifetime ? null : plain[(newline + 1)..];
    }

    public void Write(HttpContext context, string value) => context.Response.Cookies.Append(CookieName, value, new CookieOptions
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = "/",
        MaxAge = Lifetime,
    });

    public static void Clear(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/" });

    /// <summary>The CSRF token of a session: an HMAC of its cookie, so a page of one session cannot post for another.</summary>
    public string CsrfToken(string cookie) => Convert.ToBase64String(HMACSHA256.HashData(_csrfKey, Encoding.UTF8.GetBytes(cookie)))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public bool IsValidCsrf(string cookie, string? token) =>
        token is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(CsrfToken(cookie)), Encoding.UTF8.GetBytes(token));
}

/// <summary>Authenticates console requests by their session cookie; an anonymous page request is sent to the login page.</summary>
public sealed class ConsoleSessionHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiTokens tokens, ConsoleSessions sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "CombConsole";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(ConsoleSessions.CookieName, out var cookie) || string.IsNullOrEmpty(cookie))
        {
            return AuthenticateResult.NoResult();
        }

        if (sessions.Read(cookie) is not { } secret || await tokens.FindAsync(secret, Context.RequestAborted).ConfigureAwait(false) is not { } token)
        {
            return AuthenticateResult.Fail("session expired or its token was revoked");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, token.Name), new Claim(ClaimTypes.Role, token.Role), new Claim(TokenAuthenticationHandler.TokenIdClaim, token.Id)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var target = Request.Path + Request.QueryString;
        Response.Redirect("/login?returnUrl=" + Uri.EscapeDataString(target));
        return Task.CompletedTask;
    }
}

/// <summary>The console's authorization: the API's bearer token when the request carries one, else the session cookie.</summary>
public static class ConsoleAuth
{
    public const string Scheme = "CombConsoleOrToken";

    public const string CanRead = "console-read";
    public const string CanScan = "console-scan";
    public const string CanAdminister = "console-admin";

    public static string? SelectScheme(HttpContext context) =>
        context.Request.Headers.Authorization.Count > 0 ? TokenAuthenticationHandler.SchemeName : ConsoleSessionHandler.SchemeName;

    public static bool CanScanRole(ClaimsPrincipal user) => user.IsInRole(ServerRoles.Admin) || user.IsInRole(ServerRoles.Scanner);

    public static bool IsAdmin(ClaimsPrincipal user) => user.IsInRole(ServerRoles.Admin);
}
