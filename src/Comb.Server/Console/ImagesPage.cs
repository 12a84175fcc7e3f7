using System.Globalization;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// `/images`: every image's newest scan, filtered, searched, sorted and paged in SQL. Query parameters: repository, tag,
/// severity, verdict, fix=1, secrets=1 (secrets or malware), before, after (yyyy-MM-dd), q (CVE, package[@version],
/// digest or reference part), sort (reference, risk, scanned), offset, limit.
/// </summary>
public static class ImagesPage
{
    private const int PageSize = 50;

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/images", RenderAsync);
        group.MapPost("/images/scan", ScanSelectedAsync).RequireAuthorization(ConsoleAuth.CanScan);
    }

    public static (ImageFilter Filter, string? Error) Parse(IQueryCollection query)
    {
        string? Text(string key) => query[key].ToString() is { Length: > 0 } v ? v[..Math.Min(v.Length, 512)] : null;
        bool Flag(string key) => Text(key) is "1" or "true" or "on";
        string? error = null;
        DateTimeOffset? Date(string key)
        {
            if (Text(key) is not { } text)
            {
                return null;
            }

            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return parsed;
            }

            error = $"'{text}' is not a date (use yyyy-MM-dd)";
            return null;
        }

        var severity = Text("severity")?.ToUpperInvariant();
        if (severity is not null && severity is not ("CRITICAL" or "HIGH" or "MEDIUM" or "LOW" or "UNKNOWN"))
        {
            error = $"unknown severity '{severity}'";
            severity = null;
        }

        var filter = new ImageFilter
        {
            Repository = Text("repository"), Tag = Text("tag"), Severity = severity, Verdict = Text("verdict"), HasFix = Flag("fix"), HasSecretsOrMalware = Flag("secrets"),
            ScannedBefore = Date("before"), ScannedAfter = Date("after"), Search = Text("q"), Sort = Text("sort"),
            Offset = int.TryParse(Text("offset"), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : 0,
            Limit = int.TryParse(Text("limit"), NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? Math.Clamp(limit, 1, 500) : PageSize,
        };
        return (filter, error);
    }

    private static async Task<IResult> RenderAsync(HttpContext context, ServerStore server, CancellationToken ct)
    {
        var (filter, error) = Parse(context.Request.Query);
        var page = await (await server.OpenAsync(ct)).ImagesAsync(filter, ct);
        var canScan = ConsoleAuth.CanScanRole(context.User);
        var query = context.Request.Query;
        string Q(string key) => query[key].ToString();
        Markup Option(string value, string label, string current) =>
            H($"<option value=\"{value}\"{(string.Equals(value, current, StringComparison.OrdinalIgnoreCase) ? new Markup(" selected") : Markup.Empty)}>{label}</option>");
        Markup Check(string name, string label) =>
            H($"<label><span>{label}</span><input type=\"checkbox\" name=\"{name}\" value=\"1\"{(Q(name) is "1" or "true" or "on" ? new Markup(" checked") : Markup.Empty)}></label>");

        var rows = Join(page.Items, s => H($"""
            <tr>{When(canScan, H($"<td><input type=\"checkbox\" name=\"digest\" value=\"{s.Digest}\" aria-label=\"select {s.Reference}\"></td>"))}
            <td><a href="/images/{U(s.Digest)}">{s.Reference}</a><br><code class="muted">{Short(s.Digest)}</code></td>
            <td>{Verdict(s.Verdict)}</td><td class="num">{s.Critical}</td><td class="num">{s.High}</td><td class="num">{s.Medium}</td><td class="num">{s.Low}</td>
            <td class="num">{s.Secrets}</td><td class="num">{s.Malware}</td><td class="num">{s.Misconfigurations}</td><td>{Time(s.CreatedAt)}</td></tr>
            """));
        var table = H($"""
            <table><caption class="visually-hidden">Images</caption><thead><tr>{When(canScan, H($"<th><input type=\"checkbox\" data-select-all aria-label=\"select all on this page\"></th>"))}
            <th>Image</th><th>Verdict</th><th class="num">Critical</th><th class="num">High</th><th class="num">Medium</th><th class="num">Low</th><th class="num">Secrets</th><th class="num">Malware</th><th class="num">Misconfig</th><th>Scanned</th></tr></thead>
            <tbody>{rows}</tbody></table>
            """);
        var body = H($"""
            {ConsoleLayout.Notice(error, error: true)}
            <form method="get" action="/images" class="filters" role="search">
            <label><span>Search</span><input name="q" value="{Q("q")}" placeholder="CVE, package[@version], digest" size="28"></label>
            <label><span>Repository</span><input name="repository" value="{Q("repository")}"></label>
            <label><span>Tag</span><input name="tag" value="{Q("tag")}" size="10"></label>
            <label><span>Severity at least</span><select name="severity">{Option("", "any", Q("severity"))}{Option("CRITICAL", "critical", Q("severity"))}{Option("HIGH", "high", Q("severity"))}{Option("MEDIUM", "medium", Q("severity"))}{Option("LOW", "low", Q("severity"))}</select></label>
            <label><span>Verdict</span><select name="verdict">{Option("", "any", Q("verdict"))}{Option("pass", "pass", Q("verdict"))}{Option("warn", "warn", Q("verdict"))}{Option("block", "block", Q("verdict"))}{Option("none", "no policy", Q("verdict"))}</select></label>
            {Check("fix", "Has a fix")}{Check("secrets", "Secrets or malware")}
            <label><span>Scanned after</span><input type="date" name="after" value="{Q("after")}"></label>
            <label><span>Scanned before</span><input type="date" name="before" value="{Q("before")}"></label>
            <label><span>Sort</span><select name="sort">{Option("reference", "by name", Q("sort"))}{Option("risk", "riskiest first", Q("sort"))}{Option("scanned", "newest scan first", Q("sort"))}</select></label>
            <button type="submit" class="primary">Apply</button> <a href="/images">Clear</a>
            </form>
            <p id="count">{Number(page.Total)} image(s){(page.Total > 0 ? $", showing {filter.Offset + 1}-{filter.Offset + page.Items.Count}" : "")}</p>
            {(canScan ? H($"""<form method="post" action="/images/scan">{ConsoleLayout.Csrf(context)}<div class="actions"><button type="submit" class="primary" id="scan-selected">Scan selected</button> <label><input type="checkbox" name="insecure" value="1"> plain HTTP or self-signed registries</label></div>{table}</form>""") : table)}
            {Pager(context, filter, page)}
            """);
        return ConsoleLayout.Page(context, "Images", "images", body);
    }

    private static Markup Pager(HttpContext context, ImageFilter filter, ImagePage page)
    {
        string Link(int offset)
        {
            var pairs = context.Request.Query.Where(p => p.Key != "offset").Select(p => $"{U(p.Key)}={U(p.Value.ToString())}").Append($"offset={offset}");
            return "/images?" + string.Join('&', pairs);
        }

        var previous = filter.Offset > 0 ? H($"<a href=\"{Link(Math.Max(0, filter.Offset - filter.Limit))}\" rel=\"prev\">Previous</a>") : Markup.Empty;
        var next = filter.Offset + page.Items.Count < page.Total ? H($"<a href=\"{Link(filter.Offset + filter.Limit)}\" rel=\"next\">Next</a>") : Markup.Empty;
        return H($"<nav class=\"pager\" aria-label=\"Pages\">{previous}{next}</nav>");
    }

    private static async Task<IResult> ScanSelectedAsync(HttpContext context, ServerStore server, ConsoleScans scans, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        var digests = form["digest"].Where(d => !string.IsNullOrEmpty(d)).Select(d => d!).Distinct(StringComparer.Ordinal).Take(500).ToList();
        if (digests.Count == 0)
        {
            return ConsoleLayout.Page(context, "Scan selected", "images", ConsoleLayout.Notice("Select at least one image.", error: true), StatusCodes.Status400BadRequest);
        }

        var store = await server.OpenAsync(ct);
        var images = new List<ScanSummary>();
        foreach (var digest in digests)
        {
            if ((await store.ListAsync(new HistoryQuery { Image = digest, Limit = 1 }, ct)).FirstOrDefault() is { } latest)
            {
                images.Add(latest);
            }
        }

        var (queued, errors) = await scans.SubmitStoredAsync(context, images, ct, form["insecure"].ToString() == "1");
        return ScansPage.Outcome(context, $"Queued {queued} scan(s).", errors);
    }
}
