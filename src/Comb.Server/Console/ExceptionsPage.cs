using System.Globalization;
using Comb.Server.Data;
using Comb.Server.History;
using Comb.Server.Policies;
using Comb.Server.Vex;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// `/exceptions`: policy exceptions with reason, owner (who is accountable; the maker by default) and expiry; admins add,
/// hand over, expire, and triage a finding from an image page into one. Validated against the policy's rules exactly as the API does.
/// </summary>
public static class ExceptionsPage
{
    private static readonly Dictionary<string, string> TriageStates = new(StringComparer.Ordinal)
    {
        ["not_affected"] = "not affected", ["false_positive"] = "false positive", ["accepted_risk"] = "accepted risk",
    };

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/exceptions", RenderAsync);
        group.MapPost("/exceptions", CreateAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        group.MapPost("/exceptions/triage", TriageAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        group.MapPost("/exceptions/{id}/expire", ExpireAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        group.MapPost("/exceptions/{id}/owner", OwnerAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        VexPage.Map(group);
    }

    private static async Task<IResult> RenderAsync(HttpContext context, string? policy, PolicyStore store, TimeProvider time, CancellationToken ct) =>
        await PageAsync(context, policy, store, time, null, null, StatusCodes.Status200OK, ct);

    private static async Task<IResult> PageAsync(HttpContext context, string? policy, PolicyStore store, TimeProvider time, IReadOnlyList<string>? errors, string? done, int status, CancellationToken ct)
    {
        var today = PolicyCatalog.Today(time);
        var exceptions = await store.ExceptionsAsync(string.IsNullOrWhiteSpace(policy) ? null : policy, ct);
        var policies = await store.ListAsync(ct);
        var admin = ConsoleAuth.IsAdmin(context.User);
        var csrf = ConsoleLayout.Csrf(context);
        var rows = Join(exceptions.OrderByDescending(e => e.IsLive(today)).ThenByDescending(e => e.CreatedAt), e => H($"""
            <tr data-active="{(e.IsLive(today) ? "true" : "false")}"><td><code>{e.Id}</code></td><td><a href="/policies/{U(e.Policy)}">{e.Policy}</a></td>
            <td>{e.Finding}</td><td>{e.Package}</td><td>{e.Image}</td><td>{string.Join(", ", e.Rules)}</td><td>{e.Reason}</td>
            <td>{(admin && e.IsLive(today) ? OwnerForm(e, csrf) : H($"{e.Accountable}"))}</td><td>{e.CreatedBy}</td>
            <td>{(e.Expires is { } x ? x.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "never")}</td>
            <td>{(e.IsLive(today) ? "active" : e.ExpiredAt is { } at ? "ended " + Time(at) : "expired")}</td>
            <td>{When(admin && e.IsLive(today), H($"<form method=\"post\" action=\"/exceptions/{U(e.Id)}/expire\" data-confirm=\"End this exception now?\">{csrf}<button type=\"submit\">Expire</button></form>"))}</td></tr>
            """));
        var form = admin && policies.Count > 0 ? H($"""
            <h2>Add an exception</h2>
            <form method="post" action="/exceptions" class="filters" id="new-exception">{csrf}
            <label><span>Policy</span><select name="policy">{Join(policies, p => H($"<option{(p.Name == policy ? new Markup(" selected") : Markup.Empty)}>{p.Name}</option>"))}</select></label>
            <label><span>Finding id (glob)</span><input name="finding" placeholder="CVE-2024-*"></label>
            <label><span>Package (glob)</span><input name="package"></label>
            <label><span>Image (glob)</span><input name="image"></label>
            <label><span>Rules (comma-separated)</span><input name="rules"></label>
            <label><span>Expires</span><input type="date" name="expires"></label>
            <label><span>Reason</span><input name="reason" required size="40"></label>
            <label><span>Owner</span><input name="owner" value="{context.User.Identity?.Name}"></label>
            <button type="submit" class="primary">Add</button></form>
            """) : Markup.Empty;
        var body = H($"""
            {ConsoleLayout.Notice(done)}
            {When(errors is { Count: > 0 }, H($"<div class=\"notice error\" role=\"alert\"><ul id=\"exception-errors\">{Join(errors ?? [], e => H($"<li>{e}</li>"))}</ul></div>"))}
            <p>Findings judged not affected or false positives are OpenVEX statements, not exceptions:
            {(admin ? H($"<a href=\"/vex\">VEX statements</a> · ") : Markup.Empty)}<a href="/vex/openvex.json" download>OpenVEX document</a>.</p>
            <table><caption class="visually-hidden">Exceptions</caption><thead><tr><th>Id</th><th>Policy</th><th>Finding</th><th>Package</th><th>Image</th><th>Rules</th><th>Reason</th><th>Owner</th><th>Made by</th><th>Expires</th><th>State</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>{rows}</tbody></table>
            {form}
            """);
        return ConsoleLayout.Page(context, "Exceptions", "exceptions", body, status);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, PolicyStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        var rules = form["rules"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return await AddAsync(context, store, audit, time, form["policy"].ToString(), form["finding"].ToString(), form["package"].ToString(), form["image"].ToString(),
            rules, form["expires"].ToString(), form["reason"].ToString(), form["owner"].ToString(), null, ct);
    }

    /// <summary>
    /// A finding judged not affected or a false positive becomes an OpenVEX not_affected statement (with an OpenVEX
    /// justification); an accepted risk becomes an exception of a policy, with an end date.
    /// </summary>
    private static async Task<IResult> TriageAsync(HttpContext context, PolicyStore store, ServerStore server, VexStore vex, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        if (!TriageStates.TryGetValue(form["status"].ToString(), out var state))
        {
            return await PageAsync(context, null, store, time, [$"unknown triage state '{form["status"]}': use {string.Join(", ", TriageStates.Keys)}"], null, StatusCodes.Status400BadRequest, ct);
        }

        var image = form["image"].ToString();
        var reason = form["reason"].ToString().Trim();
        var back = image.Length > 0 ? $"/images/{U(image)}?tab=vulnerabilities" : "/vex";
        if (form["status"] != "accepted_risk")
        {
            // A false positive is not affected because what was matched is not the vulnerable code.
            var justification = form["justification"].ToString() is { Length: > 0 } given ? given
                : form["status"] == "false_positive" ? "vulnerable_code_not_present" : "";
            var input = new TriageInput(image, form["finding"].ToString(), form["package"].ToString(), state, justification, reason, form["fleet"].ToString() == "1");
            var problems = await VexPage.RecordAsync(context, server, vex, audit, input, ct);
            return problems.Count == 0 ? Results.Redirect(back, preserveMethod: false)
                : await PageAsync(context, null, store, time, problems, null, StatusCodes.Status400BadRequest, ct);
        }

        if (form["expires"].ToString().Length == 0)
        {
            return await PageAsync(context, null, store, time, ["an accepted risk needs an end date: it is reviewed when the exception expires"], null, StatusCodes.Status400BadRequest, ct);
        }

        return await AddAsync(context, store, audit, time, form["policy"].ToString(), form["finding"].ToString(), form["package"].ToString(),
            form["fleet"].ToString() == "1" ? null : image, [], form["expires"].ToString(), reason.Length == 0 ? "" : $"{state}: {reason}", form["owner"].ToString(),
            image.Length > 0 ? back : null, ct);
    }

    private static async Task<IResult> AddAsync(HttpContext context, PolicyStore store, AuditLog audit, TimeProvider time, string policyName, string? finding, string? package,
        string? image, IReadOnlyList<string> rules, string expiresText, string reason, string? owner, string? back, CancellationToken ct)
    {
        var errors = new List<string>();
        DateOnly? expires = null;
        if (expiresText.Length > 0)
        {
            if (DateOnly.TryParseExact(expiresText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                expires = day;
            }
            else
            {
                errors.Add($"expiry '{expiresText}' is not a date (yyyy-MM-dd)");
            }
        }

        var policy = string.IsNullOrWhiteSpace(policyName) ? null : await store.GetAsync(policyName, ct);
        if (policy is null)
        {
            errors.Add($"give the name of a stored policy{(string.IsNullOrWhiteSpace(policyName) ? "" : $": no policy '{policyName}'")}");
        }

        var fields = new ExceptionFields(finding, package, image, rules, expires, reason) { Owner = owner };
        if (policy is not null)
        {
            errors.AddRange(PolicyCatalog.CheckException(policy.Yaml, fields, "exception"));
        }

        if (errors.Count > 0)
        {
            return await PageAsync(context, policyName, store, time, errors, null, StatusCodes.Status400BadRequest, ct);
        }

        var created = await store.CreateExceptionAsync(policy!.Name, fields, AuditLog.ActorOf(context.User), ct, context.User.Identity?.Name);
        await audit.WriteAsync(context, "exception.create", created.Id,
            $"policy={created.Policy} id={created.Finding} package={created.Package} image={created.Image} expires={created.Expires?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} owner={created.Owner} (console)", ct);
        return back is null ? await PageAsync(context, null, store, time, null, $"Added exception {created.Id}.", StatusCodes.Status200OK, ct) : Results.Redirect(back, preserveMethod: false);
    }

    /// <summary>The owner cell of a live exception, editable in place by an admin.</summary>
    private static Markup OwnerForm(StoredException e, Markup csrf) => H($"""
        <form method="post" action="/exceptions/{U(e.Id)}/owner" class="inline">{csrf}<input name="owner" value="{e.Accountable}" required aria-label="owner of {e.Id}" size="14"><button type="submit">Set</button></form>
        """);

    /// <summary>Hands a live exception to another owner (a person or team who answers for it).</summary>
    private static async Task<IResult> OwnerAsync(HttpContext context, string id, PolicyStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var owner = (await context.Request.ReadFormAsync(ct))["owner"].ToString().Trim();
        if (owner.Length == 0)
        {
            return await PageAsync(context, null, store, time, ["give the owner: a person or team accountable for the exception"], null, StatusCodes.Status400BadRequest, ct);
        }

        if (!await store.SetOwnerAsync(id, owner, AuditLog.ActorOf(context.User), ct))
        {
            return await PageAsync(context, null, store, time, [$"no live exception '{id}'"], null, StatusCodes.Status404NotFound, ct);
        }

        await audit.WriteAsync(context, "exception.update", id, $"owner={owner} (console)", ct);
        return Results.Redirect("/exceptions", preserveMethod: false);
    }

    private static async Task<IResult> ExpireAsync(HttpContext context, string id, PolicyStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        if (!await store.ExpireExceptionAsync(id, AuditLog.ActorOf(context.User), ct))
        {
            return await PageAsync(context, null, store, time, [$"no live exception '{id}'"], null, StatusCodes.Status404NotFound, ct);
        }

        await audit.WriteAsync(context, "exception.expire", id, "(console)", ct);
        return Results.Redirect("/exceptions", preserveMethod: false);
    }
}
