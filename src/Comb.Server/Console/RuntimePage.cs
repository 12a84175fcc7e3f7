using System.Globalization;
using System.Text.Json;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// `/runtime`: the containers `comb runtime watch` recorded (as GET /api/v1/runtime/containers): runtime, namespace,
/// image with its verdict, least-privilege findings, and drift (since when, which files). `?view=running|drifted|stopped|all`,
/// `?offset=`; paged in SQL with the verdicts joined in.
/// </summary>
public static class RuntimePage
{
    public const int PageSize = 50;

    /// <summary>Drifted files listed per container; the rest are counted (the API has them all).</summary>
    private const int PathsShown = 50;

    public static void Map(RouteGroupBuilder group) => group.MapGet("/runtime", RenderAsync);

    private static async Task<IResult> RenderAsync(HttpContext context, string? view, string? offset, ServerStore server, CancellationToken ct)
    {
        var current = view is not null && ScanStore.RuntimeViews.Contains(view) ? view : "running";
        var skip = int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var at) ? at : 0;
        var page = await (await server.OpenAsync(ct)).RuntimeContainerPageAsync(current, skip, PageSize, ct);
        var tabs = Join(ScanStore.RuntimeViews, v =>
        {
            var count = v switch { "drifted" => page.Drifted, "stopped" => page.Stopped, "all" => page.Running + page.Stopped, _ => page.Running };
            return H($"<li><a href=\"/runtime{(v == "running" ? "" : "?view=" + v)}\"{(v == current ? new Markup(" aria-current=\"page\"") : Markup.Empty)}>{v} ({Number(count)})</a></li>");
        });
        string Link(int to) => $"/runtime?{(current == "running" ? "" : "view=" + current + "&")}offset={to}";
        var body = H($"""
            <nav aria-label="Containers shown"><ul class="tabs">{tabs}</ul></nav>
            {(page.Total == 0
                ? H($"<p class=\"muted\" id=\"count\">No {current} container. <code>comb runtime watch --store</code> with the server's store records running containers here.</p>")
                : H($"<p id=\"count\">{Number(page.Total)} container(s), showing {skip + 1}-{skip + page.Items.Count}; drifted first.</p>"))}
            <table id="containers"><caption class="visually-hidden">Runtime containers</caption>
            <thead><tr><th>Container</th><th>Runtime</th><th>Namespace</th><th>Image</th><th>Privileges</th><th>Drift</th><th>Seen</th></tr></thead>
            <tbody>{Join(page.Items, Row)}</tbody></table>
            <nav class="pager" aria-label="Pages">{When(skip > 0, H($"<a href=\"{Link(Math.Max(0, skip - PageSize))}\" rel=\"prev\">Previous</a>"))}{When(skip + page.Items.Count < page.Total, H($"<a href=\"{Link(skip + PageSize)}\" rel=\"next\">Next</a>"))}</nav>
            """);
        return ConsoleLayout.Page(context, "Runtime containers", "runtime", body);
    }

    private static Markup Row(RuntimeContainerRow row)
    {
        var c = row.Container;
        var report = RuntimeReportView.Parse(c.ReportJson);
        var image = H($"""
            {c.Image}{When(c.MutableImageReference, H($" <span class=\"muted\" title=\"named by a tag that can move\">(mutable tag)</span>"))}
            {(row.ScannedDigest is { } digest
                ? H($"<br><a href=\"/images/{U(digest)}\"><code>{Short(digest)}</code></a> {Verdict(row.ImageVerdict)}")
                : H($"<br><code class=\"muted\">{Short(c.ImageDigest)}</code> <span class=\"muted\">not scanned</span>"))}
            """);
        var privileges = report.Privileges.Count == 0 ? H($"<span class=\"muted\">none</span>")
            : H($"<ul class=\"findings\">{Join(report.Privileges, p => H($"<li>{Severity(p.Severity)} {p.Title}{When(p.Detail is not null, H($" <span class=\"muted\">{p.Detail}</span>"))}</li>"))}</ul>");
        var drift = c.Drifted
            ? H($"""
                <strong class="drifted">drifted</strong> since {Time(c.DriftSince)}, {c.DriftFiles} file(s){When(c.Severity is not null, H($" {Severity(c.Severity)}"))}
                <details><summary>Drifted paths</summary><ul class="findings">{Join(report.Drift.Take(PathsShown), DriftLine)}</ul>
                {When(report.Drift.Count > PathsShown, H($"<p class=\"muted\">and {report.Drift.Count - PathsShown} more (GET /api/v1/runtime/containers has them all)</p>"))}</details>
                """)
            : report.DriftUnavailable is { } why ? H($"<span class=\"muted\">not checked: {why}</span>") : H($"<span class=\"muted\">none</span>");
        return H($"""
            <tr data-drifted="{(c.Drifted ? "true" : "false")}" data-running="{(c.Running ? "true" : "false")}">
            <td><strong>{c.Name ?? c.ContainerId}</strong><br><code class="muted" title="{c.ContainerId}">{(c.ContainerId.Length > 12 ? c.ContainerId[..12] : c.ContainerId)}</code><br><span class="muted">{c.Source}</span></td>
            <td>{c.Runtime}</td><td>{c.Namespace}</td><td>{image}</td><td>{privileges}</td><td>{drift}</td>
            <td>{(c.Running ? "running" : "stopped")}<br><span class="muted">last {Time(c.LastSeen)}</span></td></tr>
            """);
    }

    private static Markup DriftLine(RuntimeReportView.DriftFile d) => H($"""
        <li>{Severity(d.Severity)} <code>{d.Path}</code> {d.Change}{When(d.Kinds.Count > 0, H($" <span class=\"muted\">({string.Join(", ", d.Kinds)})</span>"))}{Join(d.Malware, m => H($" <span class=\"kev\">malware: {m}</span>"))}</li>
        """);
}

/// <summary>The parts of a stored container report (the runtime scan's JSON) the console shows; anything missing reads as empty.</summary>
public sealed record RuntimeReportView(IReadOnlyList<RuntimeReportView.DriftFile> Drift, IReadOnlyList<RuntimeReportView.Privilege> Privileges, string? DriftUnavailable)
{
    public sealed record DriftFile(string Path, string? Change, IReadOnlyList<string> Kinds, string? Severity, IReadOnlyList<string> Malware);

    public sealed record Privilege(string? Id, string Title, string? Severity, string? Detail);

    public static RuntimeReportView Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var drift = Array(root, "drift").Select(d => new DriftFile(Text(d, "path") ?? "", Text(d, "change"), Strings(d, "kinds"), Text(d, "severity"),
                [.. Array(d, "malware").Select(m => $"{Text(m, "category")} {string.Join(", ", Strings(m, "signatures"))}".Trim())])).ToList();
            var privileges = Array(root, "privileges").Select(p => new Privilege(Text(p, "id"), Text(p, "title") ?? Text(p, "id") ?? "", Text(p, "severity"), Text(p, "detail"))).ToList();
            return new RuntimeReportView(drift, privileges, root.ValueKind == JsonValueKind.Object ? Text(root, "driftUnavailable") : null);
        }
        catch (JsonException)
        {
            return new RuntimeReportView([], [], "the stored report cannot be read");
        }
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number ? value.ToString() : null;

    private static List<string> Strings(JsonElement element, string name) => [.. Array(element, name).Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)];
}
