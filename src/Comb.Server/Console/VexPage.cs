using Comb.Contracts;
using Comb.Server.Data;
using Comb.Server.History;
using Comb.Server.Vex;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// OpenVEX statements made by triage: `/vex` lists them and revokes one (admin), `/vex/openvex.json` is all live ones as one
/// OpenVEX document (every role, for CI and other scanners to read with `--vex`).
/// </summary>
public static class VexPage
{
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/vex/openvex.json", async (StoredVex vex, CancellationToken ct) =>
            Results.File(System.Text.Encoding.UTF8.GetBytes(await vex.DocumentJsonAsync(ct)), "application/json", "openvex.json"));
        group.MapGet("/vex", async (HttpContext context, VexStore store, CancellationToken ct) => await PageAsync(context, store, null, StatusCodes.Status200OK, ct))
            .RequireAuthorization(ConsoleAuth.CanAdminister);
        group.MapPost("/vex/{id}/revoke", RevokeAsync).RequireAuthorization(ConsoleAuth.CanAdminister);
    }

    private static async Task<IResult> PageAsync(HttpContext context, VexStore store, string? error, int status, CancellationToken ct)
    {
        var statements = await store.ListAsync(includeRevoked: true, ct);
        var csrf = ConsoleLayout.Csrf(context);
        var rows = Join(statements.OrderByDescending(s => s.IsLive).ThenByDescending(s => s.CreatedAt), s =>
        {
            var j = s.Judgement;
            var product = j.ImageDigest is { } digest
                ? H($"image <a href=\"/images/{U(digest)}?tab=vulnerabilities\"><code>{Short(digest)}</code></a> {j.ImageName}")
                : H($"every image");
            return H($"""
                <tr data-live="{(s.IsLive ? "true" : "false")}"><td><code>{s.Id}</code></td><td><a href="/vulnerabilities/{U(j.Vulnerability)}">{j.Vulnerability}</a><br><span class="muted">{string.Join(", ", j.Aliases)}</span></td>
                <td>{product}<br><code class="muted">{j.PackagePurl}</code></td><td>{s.Status}<br><span class="muted">{j.Justification}</span></td><td>{j.ImpactStatement}</td>
                <td>{s.Author}<br><span class="muted">{Time(s.CreatedAt)}</span></td><td>{(s.IsLive ? "applied" : $"revoked {Time(s.RevokedAt)} by {s.RevokedBy}")}</td>
                <td>{When(s.IsLive, H($"<form method=\"post\" action=\"/vex/{U(s.Id)}/revoke\" data-confirm=\"Revoke this statement? Its findings are reported again.\">{csrf}<button type=\"submit\">Revoke</button></form>"))}</td></tr>
                """);
        });
        var body = H($"""
            {ConsoleLayout.Notice(error, error: true)}
            <p>Findings judged not affected or false positives by triage. Scans and reports of this server apply the live statements as <code>comb scan --vex</code> applies a file.
            <a href="/vex/openvex.json" download>Download them as one OpenVEX document</a>.</p>
            <table><caption class="visually-hidden">VEX statements</caption>
            <thead><tr><th>Id</th><th>Vulnerability</th><th>Product</th><th>Status</th><th>Impact statement</th><th>Author</th><th>State</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>{rows}</tbody></table>
            """);
        return ConsoleLayout.Page(context, "VEX statements", "exceptions", body, status);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string id, VexStore store, AuditLog audit, CancellationToken ct)
    {
        if (!await store.RevokeAsync(id, AuditLog.ActorOf(context.User), ct))
        {
            return await PageAsync(context, store, $"no live VEX statement '{id}'", StatusCodes.Status404NotFound, ct);
        }

        await audit.WriteAsync(context, "vex.revoke", id, "(console)", ct);
        return Results.Redirect("/vex", preserveMethod: false);
    }

    /// <summary>
    /// A finding of an image's newest scan judged not affected (or a false positive): an OpenVEX not_affected statement
    /// for that image, or for every image carrying the package. The finding is looked up in the stored scan, so the
    /// statement names its real id, aliases and package URL. Returns the problems, or none when it was stored.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RecordAsync(HttpContext context, ServerStore server, VexStore store, AuditLog audit,
        TriageInput input, CancellationToken ct)
    {
        var errors = new List<string>();
        if (input.Reason.Length == 0)
        {
            errors.Add("give the reason: it becomes the statement's impact statement");
        }

        if (!VexTerms.Justifications.Contains(input.Justification, StringComparer.Ordinal))
        {
            errors.Add($"justification '{input.Justification}' is not one of OpenVEX's: {string.Join(", ", VexTerms.Justifications)}");
        }

        var scans = await server.OpenAsync(ct);
        var newest = (await scans.TimelineAsync(input.Image, ct)).LastOrDefault(s => s.Digest == input.Image);
        var report = newest is null ? null : await scans.GetAsync(newest.Id, ct);
        var finding = report?.Vulnerabilities.FirstOrDefault(v => v.Id == input.Finding && v.PackageName == input.Package);
        if (report is null || finding is null)
        {
            errors.Add($"the newest scan of '{input.Image}' has no finding {input.Finding} in package {input.Package}");
        }
        else if (input.Fleet && finding.PackagePurl is null)
        {
            errors.Add($"{input.Package} has no package URL to name every image carrying it: triage it for this image");
        }

        if (errors.Count > 0)
        {
            return errors;
        }

        var image = report!.Image;
        var judgement = new VexJudgement(finding!.Id, finding.Aliases, input.Fleet ? null : DigestOf.Image(image),
            input.Fleet ? null : image.Registry is null ? image.Repository : $"{image.Registry}/{image.Repository}",
            finding.PackagePurl, input.Justification, $"{input.State}: {input.Reason}");
        var created = await store.CreateAsync(judgement, AuditLog.ActorOf(context.User), ct);
        await audit.WriteAsync(context, "vex.create", created.Id,
            $"{judgement.Vulnerability} {created.Status} ({judgement.Justification}) image={judgement.ImageDigest ?? "*"} package={judgement.PackagePurl} (console)", ct);
        return [];
    }
}

/// <summary>A triage as the image page's form sends it.</summary>
public sealed record TriageInput(string Image, string Finding, string Package, string State, string Justification, string Reason, bool Fleet);
