using System.Globalization;
using Comb.Server.Admission;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// `/admission`: the admission webhook's decisions, newest first, as GET /api/v1/admission/decisions reads them: who
/// asked, namespace, kind and name, image and digest, allowed or denied with the rule's message, warnings. Query
/// parameters: decision (allowed, denied), namespace, image (reference or digest), offset. Filtered and paged in SQL.
/// </summary>
public static class AdmissionPage
{
    public const int PageSize = 50;

    public static void Map(RouteGroupBuilder group) => group.MapGet("/admission", RenderAsync);

    private static async Task<IResult> RenderAsync(HttpContext context, AdmissionDecisionLog log, CancellationToken ct)
    {
        var query = context.Request.Query;
        string? Text(string key) => query[key].ToString().Trim() is { Length: > 0 } v ? v[..Math.Min(v.Length, 512)] : null;
        var decision = Text("decision");
        string? error = null;
        bool? allowed = decision switch
        {
            null => null,
            "allowed" => true,
            "denied" => false,
            _ => null,
        };
        if (decision is not null && allowed is null)
        {
            error = $"unknown decision '{decision}': use allowed or denied";
        }

        var offset = int.TryParse(Text("offset"), NumberStyles.None, CultureInfo.InvariantCulture, out var skip) ? skip : 0;

        // One row more than the page tells whether there is an older page, without counting the whole trail.
        var entries = await log.ReadAsync(new AdmissionDecisionQuery(Text("namespace"), Text("image"), allowed, PageSize + 1, offset), ct);
        var more = entries.Count > PageSize;
        var rows = Join(entries.Take(PageSize), Row);
        Markup Option(string value, string label) =>
            H($"<option value=\"{value}\"{(value == (decision ?? "") ? new Markup(" selected") : Markup.Empty)}>{label}</option>");
        string Link(int at)
        {
            var pairs = query.Where(p => p.Key != "offset" && p.Value.ToString().Length > 0).Select(p => $"{U(p.Key)}={U(p.Value.ToString())}").Append($"offset={at}");
            return "/admission?" + string.Join('&', pairs);
        }

        var body = H($"""
            {ConsoleLayout.Notice(error, error: true)}
            <form method="get" action="/admission" class="filters" role="search">
            <label><span>Decision</span><select name="decision">{Option("", "any")}{Option("allowed", "allowed")}{Option("denied", "denied")}</select></label>
            <label><span>Namespace</span><input name="namespace" value="{Text("namespace")}"></label>
            <label><span>Image or digest</span><input name="image" value="{Text("image")}" size="40"></label>
            <button type="submit" class="primary">Apply</button> <a href="/admission">Clear</a>
            </form>
            {(entries.Count == 0
                ? H($"<p class=\"muted\" id=\"count\">No admission decision{(offset > 0 ? " on this page" : "")}. Decisions appear here when <code>comb server --admission</code> judges pods and workloads.</p>")
                : H($"<p id=\"count\">Decisions {offset + 1}-{offset + Math.Min(entries.Count, PageSize)}, newest first.</p>"))}
            <table id="decisions"><caption class="visually-hidden">Admission decisions</caption>
            <thead><tr><th>When</th><th>Asked by</th><th>Namespace</th><th>Object</th><th>Image</th><th>Decision</th><th>Rule or message</th><th>Warnings</th></tr></thead>
            <tbody>{rows}</tbody></table>
            <nav class="pager" aria-label="Pages">{When(offset > 0, H($"<a href=\"{Link(Math.Max(0, offset - PageSize))}\" rel=\"prev\">Newer</a>"))}{When(more, H($"<a href=\"{Link(offset + PageSize)}\" rel=\"next\">Older</a>"))}</nav>
            """);
        return ConsoleLayout.Page(context, "Admission decisions", "admission", body, error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static Markup Row(AdmissionDecisionEntry e)
    {
        // The image page exists only for a digest with a stored scan; the decision names the scan it judged.
        var digest = e.Digest is null ? Markup.Empty
            : e.ScanId is not null ? H($"<br><a href=\"/images/{U(e.Digest)}\"><code>{Short(e.Digest)}</code></a>")
            : H($"<br><code class=\"muted\" title=\"{e.Digest}\">{Short(e.Digest)}</code>");
        var decision = e.Allowed
            ? H($"<span class=\"verdict verdict-pass\">allowed</span>")
            : H($"<span class=\"verdict verdict-block\">denied</span>");
        var outcome = e.Outcome is "allowed" or "denied" ? Markup.Empty : H($" <span class=\"muted\">({e.Outcome})</span>");
        return H($"""
            <tr data-allowed="{(e.Allowed ? "true" : "false")}"><td>{Time(e.At)}</td><td>{e.User}</td><td>{e.Namespace}</td>
            <td>{e.Kind} <strong>{e.Name}</strong>{When(e.Operation is not null, H($" <span class=\"muted\">{e.Operation}</span>"))}<br><span class="muted">container</span> {e.Container}</td>
            <td>{e.Image}{digest}{When(e.Cached, H($" <span class=\"muted\">(cached)</span>"))}</td>
            <td>{decision}{outcome}</td>
            <td>{List(e.Reasons)}</td><td>{List(e.Warnings)}</td></tr>
            """);
    }

    private static Markup List(IReadOnlyList<string> items) =>
        items.Count == 0 ? Markup.Empty : items.Count == 1 ? H($"{items[0]}") : H($"<ul>{Join(items, i => H($"<li>{i}</li>"))}</ul>");
}
