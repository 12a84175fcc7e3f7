using System.Globalization;
using Comb.Checks.Policy;
using Comb.Server.Api;
using Comb.Server.Data;
using Comb.Server.History;
using Comb.Server.Policies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// `/policies`: stored policies; admins edit one with its problems shown at their line, and preview which stored
/// images each rule would block or warn about before saving. Same validation and audit as the API.
/// </summary>
public static class PoliciesPage
{
    /// <summary>Images (newest scan of each) a preview judges.</summary>
    public const int PreviewImages = 500;

    private const string Template = """
        name: NAME
        rules:
          - id: block-critical-fixable
            action: block
            description: Critical vulnerabilities that already have a fix
            vulnerabilities:
              min-severity: critical
              fixed-only: true
        """;

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/policies", ListAsync);
        group.MapGet("/policies/{name}", EditAsync);
        group.MapPost("/policies/{name}", SaveAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        ExceptionsPage.Map(group);
    }

    private static async Task<IResult> ListAsync(HttpContext context, PolicyStore store, CancellationToken ct)
    {
        var policies = await store.ListAsync(ct);
        var create = ConsoleAuth.IsAdmin(context.User) ? H($"""
            <form method="get" action="/policies/new" class="filters" id="new-policy"><label><span>New policy name</span><input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" maxlength="100"></label><button type="submit">Create</button></form>
            """) : Markup.Empty;
        var body = H($"""
            {create}
            {(policies.Count == 0 ? H($"<p class=\"muted\">No stored policy.</p>") : H($"<table><thead><tr><th>Name</th><th class=\"num\">Revision</th><th>Updated</th><th>By</th></tr></thead><tbody>{Join(policies, p => H($"<tr><td><a href=\"/policies/{U(p.Name)}\">{p.Name}</a></td><td class=\"num\">{p.Revision}</td><td>{Time(p.UpdatedAt)}</td><td>{p.UpdatedBy}</td></tr>"))}</tbody></table>"))}
            """);
        return ConsoleLayout.Page(context, "Policies", "policies", body);
    }

    private static async Task<IResult> EditAsync(HttpContext context, string name, string? revision, PolicyStore store, CancellationToken ct)
    {
        // "/policies/new?name=X" opens the editor for a policy not stored yet.
        if (name == "new" && context.Request.Query["name"].ToString() is { Length: > 0 } fresh)
        {
            return Results.Redirect("/policies/" + U(fresh));
        }

        var policy = await store.GetAsync(name, ct);
        var revisions = await store.RevisionsAsync(name, ct);
        var yaml = revision is not null && revisions.FirstOrDefault(r => r.Revision.ToString(CultureInfo.InvariantCulture) == revision) is { } old ? old.Yaml
            : policy?.Yaml ?? Template.Replace("NAME", name, StringComparison.Ordinal);
        if (policy is null && !ConsoleAuth.IsAdmin(context.User))
        {
            return ConsoleLayout.Page(context, name, "policies", ConsoleLayout.Notice($"No policy '{name}'.", error: true), StatusCodes.Status404NotFound);
        }

        return Editor(context, name, policy, revisions, yaml, [], null, StatusCodes.Status200OK);
    }

    private static IResult Editor(HttpContext context, string name, StoredPolicy? policy, IReadOnlyList<PolicyRevision> revisions, string yaml,
        IReadOnlyList<PolicyError> errors, Markup? preview, int status, string? message = null)
    {
        var admin = ConsoleAuth.IsAdmin(context.User);
        var editor = admin ? H($"""
            <form method="post" action="/policies/{U(name)}">{ConsoleLayout.Csrf(context)}
            <p class="field"><label for="yaml">Policy YAML</label><textarea id="yaml" name="yaml" class="policy" spellcheck="false">{yaml}</textarea></p>
            <div class="actions"><button type="submit" name="action" value="preview">Preview against stored images</button><button type="submit" name="action" value="save" class="primary">Save</button></div>
            </form>
            """) : H($"<pre>{yaml}</pre>");
        var body = H($"""
            {ConsoleLayout.Notice(message)}
            <p>{(policy is null ? "Not saved yet." : $"Revision {policy.Revision}, updated {Time(policy.UpdatedAt)} by {policy.UpdatedBy}.")} <a href="/exceptions?policy={U(name)}">Exceptions</a></p>
            {When(errors.Count > 0, ErrorListing(name, yaml, errors))}
            {preview ?? Markup.Empty}
            {editor}
            {When(revisions.Count > 0, H($"<h2>Revisions</h2><ul>{Join(revisions, r => H($"<li><a href=\"/policies/{U(name)}?revision={r.Revision}\">revision {r.Revision}</a> {Time(r.CreatedAt)} by {r.CreatedBy}</li>"))}</ul>"))}
            """);
        return ConsoleLayout.Page(context, "Policy " + name, "policies", body, status);
    }

    /// <summary>The problems, then the text with each bad line marked and its messages under it.</summary>
    private static Markup ErrorListing(string name, string yaml, IReadOnlyList<PolicyError> errors)
    {
        var byLine = errors.GroupBy(e => e.Line).ToDictionary(g => g.Key, g => g.ToList());
        var lines = yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var listing = Join(lines.Select((text, i) => (Text: text, Number: i + 1)), l => byLine.TryGetValue(l.Number, out var here)
            ? H($"<li class=\"bad\" id=\"line-{l.Number}\">{l.Text}{Join(here, e => H($"<span class=\"why\">↑ column {e.Column}: {e.Message}</span>"))}</li>")
            : H($"<li>{l.Text}</li>"));
        return H($"""
            <div class="notice error" role="alert"><p>{errors.Count} problem(s) in {name}.yaml:</p><ul id="policy-errors">{Join(errors, e => H($"<li><a href=\"#line-{e.Line}\">line {e.Line}, column {e.Column}</a>: {e.Message}</li>"))}</ul></div>
            <ol class="source">{listing}</ol>
            """);
    }

    private static async Task<IResult> SaveAsync(HttpContext context, string name, PolicyStore store, ServerStore server, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        var yaml = form["yaml"].ToString();
        var policy = await store.GetAsync(name, ct);
        var revisions = await store.RevisionsAsync(name, ct);
        if (!PolicyEndpoints.IsValidName(name))
        {
            return Editor(context, name, policy, revisions, yaml, [new PolicyError(1, 1, $"policy name '{name}' must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit")], null, StatusCodes.Status400BadRequest);
        }

        if (string.IsNullOrWhiteSpace(yaml) || yaml.Length > PolicyEndpoints.MaxYamlChars)
        {
            return Editor(context, name, policy, revisions, yaml, [new PolicyError(1, 1, $"the policy must be 1 to {PolicyEndpoints.MaxYamlChars} characters")], null, StatusCodes.Status400BadRequest);
        }

        var parsed = PolicyLoader.Parse(yaml);
        var errors = parsed.Errors.ToList();
        if (errors.Count == 0)
        {
            // Live exceptions must still fit the new text (a rule they name may be gone), as the API checks.
            var today = PolicyCatalog.Today(time);
            var live = (await store.ExceptionsAsync(name, ct)).Where(e => e.IsLive(today)).Select(e => (e.Fields, $"exception {e.Id}")).ToList();
            errors.AddRange(PolicyCatalog.CheckExceptions(yaml, live).Select(m => new PolicyError(1, 1, m)));
        }

        if (errors.Count > 0 || parsed.Policy is null)
        {
            return Editor(context, name, policy, revisions, yaml, errors, null, StatusCodes.Status400BadRequest);
        }

        if (form["action"].ToString() == "preview")
        {
            return Editor(context, name, policy, revisions, yaml, [], await PreviewAsync(server, parsed.Policy, PolicyCatalog.Today(time), ct), StatusCodes.Status200OK);
        }

        var saved = await store.SaveAsync(name, yaml, AuditLog.ActorOf(context.User), ct);
        await audit.WriteAsync(context, saved.Revision == 1 ? "policy.create" : "policy.update", name, $"revision={saved.Revision} (console)", ct);
        return Editor(context, name, saved, await store.RevisionsAsync(name, ct), yaml, [], null, StatusCodes.Status200OK, $"Saved revision {saved.Revision}.");
    }

    /// <summary>Which stored images (newest scan) each rule of the edited policy would block or warn about.</summary>
    private static async Task<Markup> PreviewAsync(ServerStore server, PolicyDocument policy, DateOnly today, CancellationToken ct)
    {
        var preview = await PolicyPreview.JudgeAsync(await server.OpenAsync(ct), policy, today, PreviewImages, ct);
        var byRule = preview.ByRule;
        var rows = Join(policy.Rules, r => H($"""
            <tr><td>{r.Id}</td><td>{r.Action}</td><td class="num">{byRule[r.Id].Count}</td>
            <td>{Join(byRule[r.Id].Take(50), x => H($"<a href=\"/images/{U(x.Digest)}\">{x.Reference}</a> ({x.Matches}) "))}</td></tr>
            """));
        return H($"""
            <section id="preview"><h2>Preview on {preview.Images} stored image(s)</h2>
            <table><thead><tr><th>Rule</th><th>Action</th><th class="num">Images</th><th>Which (matches)</th></tr></thead><tbody>{rows}</tbody></table></section>
            """);
    }
}
