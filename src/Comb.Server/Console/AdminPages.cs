using Comb.Server.Auth;
using Comb.Server.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>`/audit` and `/tokens`: admin only, as in the API.</summary>
public static class AdminPages
{
    private const int AuditRows = 500;

    public static void Map(RouteGroupBuilder group)
    {
        var admin = group.MapGroup("").RequireAuthorization(ConsoleAuth.CanAdminister);
        admin.MapGet("/audit", AuditAsync);
        admin.MapGet("/tokens", async (HttpContext context, ApiTokens tokens, CancellationToken ct) => await TokensAsync(context, tokens, null, null, ct));
        admin.MapPost("/tokens", CreateTokenAsync);
        admin.MapPost("/tokens/{id}/revoke", RevokeAsync);
    }

    private static async Task<IResult> AuditAsync(HttpContext context, string? action, AuditLog audit, CancellationToken ct)
    {
        var entries = (await audit.ReadAsync(null, AuditRows, ct)).Where(e => string.IsNullOrEmpty(action) || e.Action.StartsWith(action, StringComparison.Ordinal)).ToList();
        var body = H($"""
            <form method="get" action="/audit" class="filters"><label><span>Action starts with</span><input name="action" value="{action}"></label><button type="submit">Filter</button></form>
            <table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Detail</th><th>From</th></tr></thead><tbody>
            {Join(entries, e => H($"<tr><td>{Time(e.At)}</td><td>{e.Actor}</td><td>{e.Action}</td><td><code>{e.Target}</code></td><td>{e.Detail}</td><td>{e.Address}</td></tr>"))}
            </tbody></table><p class="muted">The newest {AuditRows} entries.</p>
            """);
        return ConsoleLayout.Page(context, "Audit log", "audit", body);
    }

    private static async Task<IResult> TokensAsync(HttpContext context, ApiTokens tokens, IssuedToken? issued, string? error, CancellationToken ct)
    {
        var list = await tokens.ListAsync(ct);
        var csrf = ConsoleLayout.Csrf(context);
        var shown = issued is null ? Markup.Empty : H($"""
            <div class="notice" role="status"><p>Token <strong>{issued.Token.Name}</strong> ({issued.Token.Role}) made. Copy it now: it is not shown again.</p>
            <p><code id="new-token">{issued.Secret}</code></p></div>
            """);
        var rows = Join(list, t => H($"""
            <tr><td><code>{t.Id}</code></td><td>{t.Name}</td><td>{t.Role}</td><td>{Time(t.CreatedAt)}</td><td>{t.CreatedBy}</td><td>{(t.RevokedAt is { } r ? "revoked " + Time(r) : "live")}</td>
            <td>{When(t.RevokedAt is null, H($"<form method=\"post\" action=\"/tokens/{U(t.Id)}/revoke\" data-confirm=\"Revoke this token? Its sessions end at once.\">{csrf}<button type=\"submit\">Revoke</button></form>"))}</td></tr>
            """));
        var body = H($"""
            {shown}{ConsoleLayout.Notice(error, error: true)}
            <form method="post" action="/tokens" class="filters" id="new-token-form">{csrf}
            <label><span>Name</span><input name="name" required></label>
            <label><span>Role</span><select name="role">{Join(ServerRoles.All, r => H($"<option>{r}</option>"))}</select></label>
            <button type="submit" class="primary">Make token</button></form>
            <table><thead><tr><th>Id</th><th>Name</th><th>Role</th><th>Made</th><th>By</th><th>State</th><th><span class="visually-hidden">Actions</span></th></tr></thead><tbody>{rows}</tbody></table>
            """);
        return ConsoleLayout.Page(context, "Tokens", "tokens", body, error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> CreateTokenAsync(HttpContext context, ApiTokens tokens, AuditLog audit, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        var role = form["role"].ToString();
        if (!ServerRoles.IsKnown(role))
        {
            return await TokensAsync(context, tokens, null, $"unknown role '{role}' (expected {string.Join(", ", ServerRoles.All)})", ct);
        }

        var issued = await tokens.CreateAsync(role, form["name"].ToString(), AuditLog.ActorOf(context.User), ct);
        await audit.WriteAsync(context, "token.create", issued.Token.Id, $"role={issued.Token.Role} name={issued.Token.Name} (console)", ct);
        return await TokensAsync(context, tokens, issued, null, ct);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string id, ApiTokens tokens, AuditLog audit, CancellationToken ct)
    {
        if (!await tokens.RevokeAsync(id, ct))
        {
            return await TokensAsync(context, tokens, null, $"no live token '{id}'", ct);
        }

        await audit.WriteAsync(context, "token.revoke", id, "(console)", ct);
        return Results.Redirect("/tokens", preserveMethod: false);
    }
}
