using Comb.Server.Auth;
using Comb.Server.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// The console's routes. Pages need a session (or the API's bearer token) of a role that may read; the buttons need
/// scanner or admin, managing needs admin, exactly as the API's endpoints do. Every form post of a session carries
/// its CSRF token and comes from this origin.
/// </summary>
public static class ConsoleEndpoints
{
    public static void Map(WebApplication app)
    {
        var open = app.MapGroup("").AddEndpointFilter(ConsoleFilter).ExcludeFromDescription();
        open.MapGet("/console/{file}", Asset);
        open.MapGet("/login", (HttpContext context, string? returnUrl) => LoginPage(context, returnUrl, null, StatusCodes.Status200OK));
        open.MapPost("/login", LoginAsync);

        var read = app.MapGroup("").RequireAuthorization(ConsoleAuth.CanRead).AddEndpointFilter(ConsoleFilter).ExcludeFromDescription();
        read.MapPost("/logout", async (HttpContext context, AuditLog audit, CancellationToken ct) =>
        {
            await audit.WriteAsync(context, "console.logout", null, null, ct);
            ConsoleSessions.Clear(context);
            return Results.Redirect("/login", preserveMethod: false);
        });
        read.MapGet("/", DashboardPage.RenderAsync);
        ImagesPage.Map(read);
        ImageDetailPage.Map(read);
        VulnerabilityPage.Map(read);
        ScansPage.Map(read);
        PoliciesPage.Map(read);
        AdminPages.Map(read);
        ConsoleViews.Map(read);
    }

    /// <summary>Security headers on every console response; origin and CSRF checks on every form post.</summary>
    private static async ValueTask<object?> ConsoleFilter(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        ConsoleLayout.SecurityHeaders(context.Response);
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            var origin = context.Request.Headers.Origin.ToString();
            if (origin.Length > 0 && !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Problem($"cross-origin form post from {origin} refused", statusCode: StatusCodes.Status403Forbidden);
            }

            if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: ConsoleSessionHandler.SchemeName })
            {
                var sessions = context.RequestServices.GetService(typeof(ConsoleSessions)) as ConsoleSessions;
                var cookie = context.Request.Cookies[ConsoleSessions.CookieName] ?? "";
                var token = context.Request.HasFormContentType ? (await context.Request.ReadFormAsync(context.RequestAborted))["_csrf"].ToString() : null;
                if (sessions is null || !sessions.IsValidCsrf(cookie, token))
                {
                    return Results.Problem("the form's CSRF token is missing or wrong: reload the page and try again", statusCode: StatusCodes.Status403Forbidden);
                }
            }
        }

        return await next(invocation);
    }

    private static IResult Asset(string file)
    {
        var type = file switch { "app.css" => "text/css; charset=utf-8", "app.js" => "text/javascript; charset=utf-8", _ => null };
        var stream = type is null ? null : typeof(ConsoleEndpoints).Assembly.GetManifestResourceStream("Comb.Console." + file);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }

    private static IResult LoginPage(HttpContext context, string? returnUrl, string? error, int status) => ConsoleLayout.Page(context, "Sign in", "", H($"""
        {ConsoleLayout.Notice(error, error: true)}
        <form method="post" action="/login" class="login">
        <input type="hidden" name="returnUrl" value="{ConsoleLayout.LocalPath(returnUrl)}">
        <p class="field"><label for="token">API token</label><input id="token" name="token" type="password" autocomplete="off" required size="60" autofocus></p>
        <p><button type="submit" class="primary">Sign in</button></p>
        <p class="muted">Use a token made by <code>comb token create --role viewer|scanner|admin</code> or on the Tokens page.</p>
        </form>
        """), status);

    private static async Task<IResult> LoginAsync(HttpContext context, ApiTokens tokens, ConsoleSessions sessions, AuditLog audit, CancellationToken ct)
    {
        if (!context.Request.HasFormContentType)
        {
            return Results.BadRequest();
        }

        var form = await context.Request.ReadFormAsync(ct);
        var returnUrl = ConsoleLayout.LocalPath(form["returnUrl"].ToString());
        var secret = form["token"].ToString().Trim();
        if (await tokens.FindAsync(secret, ct) is not { } token)
        {
            await audit.WriteAsync("anonymous", "console.login.failed", null, null, context.Connection.RemoteIpAddress?.ToString(), ct);
            return LoginPage(context, returnUrl, "Unknown or revoked token.", StatusCodes.Status401Unauthorized);
        }

        sessions.Write(context, sessions.Issue(secret));
        await audit.WriteAsync($"{token.Name} ({token.Id})", "console.login", token.Id, $"role={token.Role}", context.Connection.RemoteIpAddress?.ToString(), ct);
        return Results.Redirect(returnUrl, preserveMethod: false);
    }
}
