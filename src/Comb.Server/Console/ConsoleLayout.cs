using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>The page shell every view shares: navigation by role, the signed-in token, and the security headers.</summary>
public static class ConsoleLayout
{
    /// <summary>Scripts and styles only from the server itself, nothing inline, no frames, forms only to itself.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on its own form posts.
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.CacheControl = "no-store";
    }

    public static IResult Page(HttpContext context, string title, string active, Markup body, int status = StatusCodes.Status200OK)
    {
        var user = context.User;
        var nav = new List<(string Href, string Label, string Key)>
        {
            ("/", "Dashboard", "dashboard"), ("/images", "Images", "images"), ("/scans", "Scans", "scans"),
            ("/policies", "Policies", "policies"), ("/exceptions", "Exceptions", "exceptions"),
            ("/registries", "Registries", "registries"), ("/runtime", "Runtime", "runtime"), ("/admission", "Admission", "admission"),
        };
        if (ConsoleAuth.IsAdmin(user))
        {
            nav.Add(("/audit", "Audit log", "audit"));
            nav.Add(("/tokens", "Tokens", "tokens"));
        }

        var links = Join(nav, n => H($"<li><a href=\"{n.Href}\"{(n.Key == active ? new Markup(" aria-current=\"page\"") : Markup.Empty)}>{n.Label}</a></li>"));
        var who = user.Identity?.IsAuthenticated == true
            ? H($"""
                <div class="who"><span>{user.Identity.Name} · <span class="role">{user.FindFirstValue(ClaimTypes.Role)}</span></span>
                <form method="post" action="/logout">{Csrf(context)}<button type="submit" class="link">Sign out</button></form></div>
                """)
            : Markup.Empty;
        var html = H($"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title} · Comb</title><link rel="stylesheet" href="/console/app.css"><script src="/console/app.js" defer></script></head>
            <body>
            <header><a class="brand" href="/">Comb</a><nav aria-label="Main"><ul>{links}</ul></nav>{who}</header>
            <main id="main"><h1>{title}</h1>
            {body}
            </main>
            </body>
            </html>
            """);
        return Results.Content(html.Value, "text/html; charset=utf-8", statusCode: status);
    }

    /// <summary>The hidden CSRF field of a cookie session's forms; bearer-token requests carry no cookie and need none.</summary>
    public static Markup Csrf(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(ConsoleSessions.CookieName, out var cookie) || string.IsNullOrEmpty(cookie))
        {
            return Markup.Empty;
        }

        var sessions = (ConsoleSessions)context.RequestServices.GetService(typeof(ConsoleSessions))!;
        return H($"<input type=\"hidden\" name=\"_csrf\" value=\"{sessions.CsrfToken(cookie)}\">");
    }

    public static Markup Notice(string? message, bool error = false) =>
        string.IsNullOrEmpty(message) ? Markup.Empty : H($"<p class=\"{(error ? "notice error" : "notice")}\" role=\"{(error ? "alert" : "status")}\">{message}</p>");

    /// <summary>A same-site path to go back to after signing in; anything else goes to the dashboard.</summary>
    public static string LocalPath(string? target) =>
        target is { Length: > 0 } t && t[0] == '/' && (t.Length == 1 || (t[1] != '/' && t[1] != '\\')) ? t : "/";
}
