using System.Globalization;
using Comb.Server.Api;
using Comb.Server.Data;
using Comb.Server.History;
using Comb.Server.Registries;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// `/registries`: the stored registries with what the server knows of each (images, scanned, failing, last scan, next
/// scheduled run, last error), and one registry's tags with their last verdict. Admins add, change and remove
/// registries (the password or token goes in and is never shown again); scanners scan all or the selected tags. Same
/// validation, sign-in rules and audit entries as /api/v1/registries.
/// </summary>
public static class RegistriesPage
{
    public const int PageSize = 50;

    /// <summary>Tags one "scan selected" press may name.</summary>
    private const int MaxSelected = 500;

    private static readonly (string Value, string Label)[] AuthKinds =
    [
        (RegistryAuthKinds.None, "none (anonymous)"), (RegistryAuthKinds.Basic, "basic: username and password"),
        (RegistryAuthKinds.Token, "bearer token"), (RegistryAuthKinds.CredentialHelper, "credential helper"),
    ];

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/registries", async (HttpContext context, RegistryStore store, CancellationToken ct) => await ListAsync(context, store, null, null, ct));
        group.MapPost("/registries", CreateAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        group.MapGet("/registries/{name}", ShowAsync);
        group.MapGet("/registries/{name}/edit", EditAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        group.MapPost("/registries/{name}", UpdateAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        group.MapPost("/registries/{name}/delete", DeleteAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
        group.MapPost("/registries/{name}/scan-all", ScanAllAsync).RequireAuthorization(ConsoleAuth.CanScan);
        group.MapPost("/registries/{name}/scan", ScanSelectedAsync).RequireAuthorization(ConsoleAuth.CanScan);
    }

    private static async Task<IResult> ListAsync(HttpContext context, RegistryStore store, RegistryForm? form, string? error, CancellationToken ct)
    {
        var records = await store.ListAsync(ct);
        var counts = await store.SettleAndCountAsync(ct);
        var canScan = ConsoleAuth.CanScanRole(context.User);
        var admin = ConsoleAuth.IsAdmin(context.User);
        var csrf = ConsoleLayout.Csrf(context);
        var rows = Join(records, r =>
        {
            var c = counts.GetValueOrDefault(r.Name) ?? new RegistryCounts(0, 0, 0, 0);
            return H($"""
                <tr><td><a href="/registries/{U(r.Name)}">{r.Name}</a><br><code class="muted">{r.Url}</code>{When(r.Insecure, H($" <span class=\"muted\">(insecure)</span>"))}</td>
                <td>{SignIn(r)}</td>
                <td class="num">{Number(c.Images)}</td><td class="num">{Number(c.Scanned)}</td><td class="num">{Number(c.Failed)}</td><td class="num">{Number(c.Pending)}</td>
                <td>{(r.LastScanAt is null ? H($"<span class=\"muted\">never</span>") : H($"{Time(r.LastScanAt)}"))}</td>
                <td>{Schedule(r)}</td><td>{LastError(r)}</td>
                <td><div class="actions">{When(canScan, H($"<form method=\"post\" action=\"/registries/{U(r.Name)}/scan-all\" data-confirm=\"Scan every repository and tag of {r.Name} its filters admit?\">{csrf}<button type=\"submit\">Scan all</button></form>"))}
                {When(admin, H($"<a href=\"/registries/{U(r.Name)}/edit\">Edit</a>"))}</div></td></tr>
                """);
        });
        var table = records.Count == 0
            ? H($"<p class=\"muted\" id=\"count\">No registry stored yet.{(admin ? " Add one below, or with comb registry add NAME URL." : " An admin adds them here or with comb registry add NAME URL.")}</p>")
            : H($"""
                <table id="registries"><caption class="visually-hidden">Registries</caption>
                <thead><tr><th>Registry</th><th>Sign-in</th><th class="num">Images known</th><th class="num">Scanned</th><th class="num">Failing</th><th class="num">Queued</th>
                <th>Last scan</th><th>Schedule</th><th>Last error</th><th></th></tr></thead><tbody>{rows}</tbody></table>
                """);
        var body = H($"""
            {table}
            {When(admin, H($"<h2 id=\"add\">Add a registry</h2>{Form(context, null, form ?? new RegistryForm(), error)}"))}
            """);
        return ConsoleLayout.Page(context, "Registries", "registries", body, error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> ShowAsync(HttpContext context, string name, string? q, string? offset, RegistryStore store, ServerStore server, CancellationToken ct)
    {
        if (await store.GetAsync(name, ct) is not { } record)
        {
            return NotFound(context, name);
        }

        var skip = int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var at) ? at : 0;
        var search = string.IsNullOrWhiteSpace(q) ? null : q.Trim()[..Math.Min(q.Trim().Length, 256)];
        var (items, total) = await store.SettleAndPageAsync(name, search, skip, PageSize, ct);
        var counts = (await store.SettleAndCountAsync(ct)).GetValueOrDefault(name) ?? new RegistryCounts(0, 0, 0, 0);
        var (byDigest, byId) = await (await server.OpenAsync(ct)).ScansOfAsync([.. items.Select(i => i.Digest)], [.. items.Where(i => i.ScanId is not null).Select(i => i.ScanId!)], ct);
        var canScan = ConsoleAuth.CanScanRole(context.User);
        var admin = ConsoleAuth.IsAdmin(context.User);
        var csrf = ConsoleLayout.Csrf(context);

        var rows = Join(items, i =>
        {
            // The newest scan of the tag's digest, else the scan the registry scan recorded for it (a platform manifest of an index).
            var scan = byDigest.GetValueOrDefault(i.Digest) ?? (i.ScanId is null ? null : byId.GetValueOrDefault(i.ScanId));
            var status = i.JobId is not null ? H($"queued")
                : i.Failed ? H($"<span class=\"verdict verdict-block\">failed</span> <span class=\"muted\">{i.Error}</span>")
                : i.ScannedDigest == i.Digest ? H($"scanned") : H($"<span class=\"muted\">not scanned</span>");
            return H($"""
                <tr>{When(canScan, H($"<td><input type=\"checkbox\" name=\"tag\" value=\"{i.Repository}:{i.Tag}\" aria-label=\"select {i.Repository}:{i.Tag}\"></td>"))}
                <td>{i.Repository}</td><td>{i.Tag}</td><td><code title="{i.Digest}">{Short(i.Digest)}</code></td><td>{status}</td>
                <td>{(scan is null ? H($"<span class=\"muted\">none</span>") : H($"{Verdict(scan.Verdict)} <span class=\"muted\">{Time(scan.CreatedAt)}</span>"))}</td>
                <td>{When(scan is not null, H($"<a href=\"/images/{U(scan?.Digest)}\">image page</a>"))}</td></tr>
                """);
        });
        var table = H($"""
            <table id="registry-images"><caption class="visually-hidden">Images of {record.Name}</caption>
            <thead><tr>{When(canScan, H($"<th><input type=\"checkbox\" data-select-all aria-label=\"select all on this page\"></th>"))}<th>Repository</th><th>Tag</th><th>Digest</th><th>Scan</th><th>Last verdict</th><th></th></tr></thead>
            <tbody>{rows}</tbody></table>
            """);
        string Link(int to) => $"/registries/{U(name)}?{(search is null ? "" : "q=" + U(search) + "&")}offset={to}";
        var buttons = H($"""
            <div class="actions">
            {When(canScan, H($"<form method=\"post\" action=\"/registries/{U(name)}/scan-all\" data-confirm=\"Scan every repository and tag of {record.Name} its filters admit?\">{csrf}<button type=\"submit\" class=\"primary\">Scan all</button></form>"))}
            {When(admin, H($"<a href=\"/registries/{U(name)}/edit\">Edit</a>"))}
            </div>
            """);
        var body = H($"""
            {buttons}
            <dl class="facts">
            <dt>URL</dt><dd><code>{record.Url}</code>{When(record.Insecure, H($" (self-signed certificate accepted)"))}</dd>
            <dt>Sign-in</dt><dd>{SignIn(record)}</dd>
            <dt>Filters</dt><dd>{Filters(record.Filters)}</dd>
            <dt>Schedule</dt><dd>{Schedule(record)}</dd>
            <dt>Last scan</dt><dd>{(record.LastScanAt is null ? "never" : Time(record.LastScanAt))}</dd>
            <dt>Last error</dt><dd>{LastError(record)}</dd>
            <dt>Images</dt><dd id="registry-counts">{Number(counts.Images)} known · {Number(counts.Scanned)} scanned · {Number(counts.Failed)} failing · {Number(counts.Pending)} queued</dd>
            <dt>Changed</dt><dd>{Time(record.UpdatedAt)}{When(record.UpdatedBy is not null, H($" by {record.UpdatedBy}"))}</dd>
            </dl>
            <h2>Images</h2>
            <form method="get" action="/registries/{U(name)}" class="filters" role="search"><label><span>Repository or tag contains</span><input name="q" value="{search}"></label><button type="submit">Filter</button></form>
            <p id="count">{Number(total)} tag(s){(total > 0 ? $", showing {skip + 1}-{skip + items.Count}" : "")}</p>
            {(canScan ? H($"<form method=\"post\" action=\"/registries/{U(name)}/scan\">{csrf}<div class=\"actions\"><button type=\"submit\" id=\"scan-selected\">Scan selected</button></div>{table}</form>") : table)}
            <nav class="pager" aria-label="Pages">{When(skip > 0, H($"<a href=\"{Link(Math.Max(0, skip - PageSize))}\" rel=\"prev\">Previous</a>"))}{When(skip + items.Count < total, H($"<a href=\"{Link(skip + PageSize)}\" rel=\"next\">Next</a>"))}</nav>
            """);
        return ConsoleLayout.Page(context, "Registry " + record.Name, "registries", body);
    }

    private static async Task<IResult> EditAsync(HttpContext context, string name, RegistryStore store, CancellationToken ct) =>
        await store.GetAsync(name, ct) is { } record ? EditPage(context, record, RegistryForm.Of(record), null) : NotFound(context, name);

    private static IResult EditPage(HttpContext context, RegistryRecord record, RegistryForm form, string? error)
    {
        var body = H($"""
            {Form(context, record, form, error)}
            <h2>Remove</h2>
            <form method="post" action="/registries/{U(record.Name)}/delete" data-confirm="Remove {record.Name}? Its stored sign-in and what the server knows of its tags are deleted; stored scans stay.">{ConsoleLayout.Csrf(context)}<button type="submit" id="remove-registry">Remove {record.Name}</button></form>
            """);
        return ConsoleLayout.Page(context, "Edit registry " + record.Name, "registries", body, error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, RegistryStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        if (!context.Request.HasFormContentType)
        {
            return NotAForm(context);
        }

        var posted = await context.Request.ReadFormAsync(ct);
        var form = RegistryForm.Read(posted);
        var (input, filters, error) = form.ToInput(posted, null);
        var (record, invalid) = error is null ? input.ToNew(time.GetUtcNow(), AuditLog.ActorOf(context.User)) : (null, error);
        if (record is null)
        {
            return await ListAsync(context, store, form, invalid, ct);
        }

        record = record with { Filters = filters };
        if (!await store.CreateAsync(record, ct))
        {
            return await ListAsync(context, store, form, $"a registry named {record.Name} exists: edit it instead", ct);
        }

        await audit.WriteAsync(context, "registry.create", record.Name, RegistryEndpoints.Describe(record) + " (console)", ct);
        return Results.Redirect("/registries/" + U(record.Name), preserveMethod: false);
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string name, RegistryStore store, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        if (await store.GetAsync(name, ct) is not { } existing)
        {
            return NotFound(context, name);
        }

        if (!context.Request.HasFormContentType)
        {
            return NotAForm(context);
        }

        var posted = await context.Request.ReadFormAsync(ct);
        var form = RegistryForm.Read(posted) with { Name = existing.Name };
        var (input, filters, error) = form.ToInput(posted, existing);
        var (record, invalid) = error is null ? input.ApplyTo(existing, time.GetUtcNow(), AuditLog.ActorOf(context.User)) : (null, error);
        if (record is null)
        {
            return EditPage(context, existing, form, invalid);
        }

        record = record with { Filters = filters };
        if (!await store.UpdateAsync(record, ct))
        {
            return NotFound(context, name);
        }

        await audit.WriteAsync(context, "registry.update", name, RegistryEndpoints.Describe(record) + " (console)", ct);
        return Results.Redirect("/registries/" + U(name), preserveMethod: false);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string name, RegistryStore store, AuditLog audit, CancellationToken ct)
    {
        if (!await store.DeleteAsync(name, ct))
        {
            return NotFound(context, name);
        }

        await audit.WriteAsync(context, "registry.delete", name, "(console)", ct);
        return Results.Redirect("/registries", preserveMethod: false);
    }

    private static async Task<IResult> ScanAllAsync(HttpContext context, string name, RegistryStore store, RegistryScanService scans, AuditLog audit, CancellationToken ct)
    {
        if (await store.GetAsync(name, ct) is not { } record)
        {
            return NotFound(context, name);
        }

        var summary = await scans.TryScanAsync(record, null, ct);
        return await OutcomeAsync(context, audit, record, "all", summary, ct);
    }

    private static async Task<IResult> ScanSelectedAsync(HttpContext context, string name, RegistryStore store, RegistryScanService scans, AuditLog audit, CancellationToken ct)
    {
        if (await store.GetAsync(name, ct) is not { } record)
        {
            return NotFound(context, name);
        }

        if (!context.Request.HasFormContentType)
        {
            return NotAForm(context);
        }

        var form = await context.Request.ReadFormAsync(ct);

        // "repository:tag": a repository name has no colon, so the first one ends it (a tag may be a digest).
        var tags = form["tag"].Select(v => v ?? "").Select(v => (Value: v, Colon: v.IndexOf(':', StringComparison.Ordinal)))
            .Where(v => v.Colon > 0 && v.Colon < v.Value.Length - 1).Select(v => (Repository: v.Value[..v.Colon], Tag: v.Value[(v.Colon + 1)..]))
            .Distinct().Take(MaxSelected).ToList();
        if (tags.Count == 0)
        {
            return Outcome(context, record, null, ["Select at least one image."], StatusCodes.Status400BadRequest);
        }

        var summary = await scans.TryScanTagsAsync(record, tags, ct);
        return await OutcomeAsync(context, audit, record, string.Join(',', tags.Select(t => $"{t.Repository}:{t.Tag}")), summary, ct);
    }

    /// <summary>What a scan did, audited as the API audits it; a registry that refused or failed as a whole answers 502, a scan already running 409.</summary>
    private static async Task<IResult> OutcomeAsync(HttpContext context, AuditLog audit, RegistryRecord record, string what, RegistryScanSummary? summary, CancellationToken ct)
    {
        if (summary is null)
        {
            return Outcome(context, record, null, [$"a scan of registry {record.Name} is already running; try again when it has finished"], StatusCodes.Status409Conflict);
        }

        await audit.WriteAsync(context, "registry.scan", record.Name,
            $"{what}: {summary.Tags} tags, {summary.Queued} queued, {summary.Rematched} re-matched, {summary.Unchanged} unchanged, {summary.Errors.Count} errors (console)", ct);
        var done = $"{summary.Tags} tag(s) checked: {summary.Queued} queued, {summary.AlreadyQueued} already queued, {summary.Rematched} re-matched, {summary.Unchanged} unchanged.";
        var failed = summary.Errors.Any(e => e.Repository is null);
        return Outcome(context, record, done, [.. summary.Errors.Select(e => $"{e.Kind}: {e.Message}")], failed ? StatusCodes.Status502BadGateway : StatusCodes.Status200OK);
    }

    private static IResult Outcome(HttpContext context, RegistryRecord record, string? done, IReadOnlyList<string> errors, int status)
    {
        var body = H($"""
            {ConsoleLayout.Notice(done)}
            {When(errors.Count > 0, H($"<div class=\"notice error\" role=\"alert\"><ul id=\"scan-errors\">{Join(errors, e => H($"<li>{e}</li>"))}</ul></div>"))}
            <p><a href="/registries/{U(record.Name)}">Back to {record.Name}</a> · <a href="/scans">Scans</a></p>
            """);
        return ConsoleLayout.Page(context, "Scan of " + record.Name, "registries", body, status);
    }

    private static IResult NotAForm(HttpContext context) =>
        ConsoleLayout.Page(context, "Registries", "registries", ConsoleLayout.Notice("Send the page's form (application/x-www-form-urlencoded).", error: true), StatusCodes.Status400BadRequest);

    private static IResult NotFound(HttpContext context, string name) =>
        ConsoleLayout.Page(context, "Registry not found", "registries", ConsoleLayout.Notice($"No registry named {name}.", error: true), StatusCodes.Status404NotFound);

    private static Markup SignIn(RegistryRecord r) => r.Auth switch
    {
        RegistryAuthKinds.Basic => H($"basic, user <code>{r.Username}</code>{When(r.Secret is not null, H($" · password stored"))}"),
        RegistryAuthKinds.Token => H($"bearer token{When(r.Secret is not null, H($" · token stored"))}"),
        RegistryAuthKinds.CredentialHelper => H($"credential helper <code>docker-credential-{r.CredentialHelper}</code>"),
        _ => H($"<span class=\"muted\">anonymous</span>"),
    };

    private static Markup Schedule(RegistryRecord r) => r.Schedule is null
        ? H($"<span class=\"muted\">none</span>")
        : H($"<code>{r.Schedule}</code><br><span class=\"muted\">next {(r.NextRunAt is null ? "never" : Time(r.NextRunAt))}</span>");

    private static Markup LastError(RegistryRecord r) => r.LastErrorKind is null
        ? H($"<span class=\"muted\">none</span>{When(r.Errors > 0, H($" <span class=\"muted\">({r.Errors} before)</span>"))}")
        : H($"<span class=\"verdict verdict-block\">{r.LastErrorKind}</span> {r.LastError} <span class=\"muted\">{Time(r.LastErrorAt)} · {r.Errors} in all</span>");

    private static Markup Filters(RegistryFilters f)
    {
        var parts = new List<string>();
        if (f.Repositories is { Count: > 0 })
        {
            parts.Add("repositories " + string.Join(", ", f.Repositories));
        }

        if (f.Tags is { Count: > 0 })
        {
            parts.Add("tags " + string.Join(", ", f.Tags));
        }

        if (f.SkipTags is { Count: > 0 })
        {
            parts.Add("skipping " + string.Join(", ", f.SkipTags));
        }

        if (f.LastTags is { } last)
        {
            parts.Add($"newest {last} tag(s) of each repository");
        }

        return parts.Count == 0 ? H($"<span class=\"muted\">every repository and tag</span>") : H($"{string.Join("; ", parts)}");
    }

    /// <summary>The add or edit form. The password and token fields are always empty: a stored secret is never sent back.</summary>
    private static Markup Form(HttpContext context, RegistryRecord? existing, RegistryForm f, string? error)
    {
        Markup Field(string id, string name, string label, string? value, string extra = "", string? hint = null) => H($"""
            <p class="field"><label for="{id}">{label}</label><input id="{id}" name="{name}" value="{value}"{new Markup(extra)}>{When(hint is not null, H($"<span class=\"muted\">{hint}</span>"))}</p>
            """);
        var scheduleError = error is not null && error.StartsWith("schedule", StringComparison.Ordinal);
        var keep = existing?.Secret is not null ? " Leave empty to keep the stored one." : "";
        return H($"""
            {ConsoleLayout.Notice(error, error: true)}
            <form method="post" action="{(existing is null ? "/registries" : "/registries/" + U(existing.Name))}" id="registry-form" class="registry-form">{ConsoleLayout.Csrf(context)}
            {(existing is null
                ? Field("r-name", "name", "Name", f.Name, " required maxlength=\"64\" pattern=\"[a-z0-9][a-z0-9._\\-]*\"", "lower-case letters, digits, '.', '_' and '-'")
                : H($"<p>Name <strong>{existing.Name}</strong></p>"))}
            {Field("r-url", "url", "URL", f.Url, " required size=\"50\" placeholder=\"https://registry.example:5000\"", "the registry's root, http(s)://host[:port]")}
            <p><label><input type="checkbox" name="insecure" value="1"{(f.Insecure ? new Markup(" checked") : Markup.Empty)}> accept a self-signed certificate (plain http:// needs no tick)</label></p>
            <fieldset><legend>Sign-in</legend>
            <p class="field"><label for="r-auth">Kind</label><select id="r-auth" name="auth">{Join(AuthKinds, k => H($"<option value=\"{k.Value}\"{(k.Value == f.Auth ? new Markup(" selected") : Markup.Empty)}>{k.Label}</option>"))}</select></p>
            {Field("r-username", "username", "Username (basic)", f.Username, " autocomplete=\"off\"")}
            {Field("r-password", "password", "Password (basic)", null, " type=\"password\" autocomplete=\"new-password\"", "stored encrypted and never shown." + keep)}
            {Field("r-token", "token", "Bearer token", null, " type=\"password\" autocomplete=\"off\"", "stored encrypted and never shown." + keep)}
            {Field("r-helper", "credentialHelper", "Credential helper", f.CredentialHelper, " placeholder=\"ecr-login\"", "docker-credential-NAME on the server's PATH")}
            </fieldset>
            <fieldset><legend>What is scanned</legend>
            {Field("r-repositories", "repositories", "Repositories (globs, comma-separated)", f.Repositories, " placeholder=\"team/*, base/**\"", "empty: every repository")}
            {Field("r-tags", "tags", "Tags (globs)", f.Tags, " placeholder=\"v*\"", "empty: every tag")}
            {Field("r-skip", "skipTags", "Tags to skip (globs)", f.SkipTags, " placeholder=\"*-debug\"")}
            {Field("r-last", "lastTags", "Newest tags per repository", f.LastTags, " inputmode=\"numeric\" size=\"6\"", "empty: all")}
            </fieldset>
            <p class="field"><label for="r-schedule">Schedule (cron, UTC)</label><input id="r-schedule" name="schedule" value="{f.Schedule}" placeholder="0 3 * * *"{(scheduleError ? new Markup(" aria-invalid=\"true\" aria-describedby=\"schedule-error\"") : Markup.Empty)}>
            {(scheduleError ? H($"<span class=\"why\" id=\"schedule-error\">{error}</span>") : H($"<span class=\"muted\">minute hour day month weekday, six fields with seconds, or @hourly, @daily, @weekly; empty: no schedule</span>"))}</p>
            <p><button type="submit" class="primary">{(existing is null ? "Add registry" : "Save")}</button>{(existing is null ? Markup.Empty : H($" <a href=\"/registries/{U(existing.Name)}\">Cancel</a>"))}</p>
            </form>
            """);
    }
}

/// <summary>The registry form's fields as typed (never the password or token), to show again with an error.</summary>
public sealed record RegistryForm
{
    public string? Name { get; init; }
    public string? Url { get; init; }
    public bool Insecure { get; init; }
    public string Auth { get; init; } = RegistryAuthKinds.None;
    public string? Username { get; init; }
    public string? CredentialHelper { get; init; }
    public string? Repositories { get; init; }
    public string? Tags { get; init; }
    public string? SkipTags { get; init; }
    public string? LastTags { get; init; }
    public string? Schedule { get; init; }

    public static RegistryForm Of(RegistryRecord r) => new()
    {
        Name = r.Name, Url = r.Url, Insecure = r.Insecure, Auth = r.Auth, Username = r.Username, CredentialHelper = r.CredentialHelper,
        Repositories = Globs(r.Filters.Repositories), Tags = Globs(r.Filters.Tags), SkipTags = Globs(r.Filters.SkipTags),
        LastTags = r.Filters.LastTags?.ToString(CultureInfo.InvariantCulture), Schedule = r.Schedule,
    };

    public static RegistryForm Read(IFormCollection form)
    {
        string? Text(string key) => form[key].ToString().Trim() is { Length: > 0 } v ? v : null;
        return new RegistryForm
        {
            Name = Text("name"), Url = Text("url"), Insecure = form["insecure"].ToString() is "1" or "on" or "true", Auth = Text("auth") ?? RegistryAuthKinds.None,
            Username = Text("username"), CredentialHelper = Text("credentialHelper"), Repositories = Text("repositories"), Tags = Text("tags"), SkipTags = Text("skipTags"),
            LastTags = Text("lastTags"), Schedule = Text("schedule"),
        };
    }

    /// <summary>
    /// The API's input for these fields, with the filters exactly as the form gives them (an empty field clears one).
    /// An empty password or token keeps the stored one when the sign-in kind stays the same.
    /// </summary>
    public (RegistryInput Input, RegistryFilters Filters, string? Error) ToInput(IFormCollection form, RegistryRecord? existing)
    {
        string? Secret(string key, string kind) => form[key].ToString() is { Length: > 0 } typed ? typed : existing?.Auth == kind ? existing.Secret : null;
        var input = new RegistryInput
        {
            Name = existing is null ? Name : null,
            Url = Url,
            Insecure = Insecure,
            Auth = Auth,
            Username = Auth == RegistryAuthKinds.Basic ? Username : null,
            Password = Auth == RegistryAuthKinds.Basic ? Secret("password", RegistryAuthKinds.Basic) : null,
            Token = Auth == RegistryAuthKinds.Token ? Secret("token", RegistryAuthKinds.Token) : null,
            CredentialHelper = Auth == RegistryAuthKinds.CredentialHelper ? CredentialHelper : null,
            Schedule = Schedule ?? "",
        };
        string? error = null;
        int? last = null;
        if (LastTags is not null)
        {
            if (int.TryParse(LastTags, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                last = n;
            }
            else
            {
                error = $"newest tags per repository must be a whole number, not '{LastTags}'";
            }
        }

        var filters = new RegistryFilters { Repositories = Split(Repositories), Tags = Split(Tags), SkipTags = Split(SkipTags), LastTags = last };
        return (input, filters, error ?? RegistryFilter.Validate(filters));
    }

    private static List<string>? Split(string? text) =>
        text?.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } parts ? [.. parts] : null;

    private static string? Globs(IReadOnlyList<string>? globs) => globs is { Count: > 0 } ? string.Join(", ", globs) : null;
}
