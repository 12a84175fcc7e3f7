using Comb.Jobs;
using Comb.Server.History;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>
/// `/scans`: the queue, followed live through server-sent events (`/scans/events`): queued, running with progress,
/// succeeded, failed with the error; cancel; scan an image, scan everything stored, re-match everything.
/// </summary>
public static class ScansPage
{
    private const int PageSize = 50;

    /// <summary>How often the live feed looks at the queue; it sends only when something changed.</summary>
    public static readonly TimeSpan LiveInterval = TimeSpan.FromSeconds(1);

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/scans", RenderAsync);
        group.MapGet("/scans/events", EventsAsync);
        group.MapPost("/scans/submit", SubmitAsync).RequireAuthorization(ConsoleAuth.CanScan);
        group.MapPost("/scans/all", ScanAllAsync).RequireAuthorization(ConsoleAuth.CanScan);
        group.MapPost("/scans/rematch", RematchAsync).RequireAuthorization(ConsoleAuth.CanScan);
        group.MapPost("/scans/{id}/cancel", CancelAsync).RequireAuthorization(ConsoleAuth.CanScan);
    }

    private static async Task<IResult> RenderAsync(HttpContext context, string? state, int? offset, ConsoleScans scans, CancellationToken ct)
    {
        var skip = Math.Max(offset ?? 0, 0);
        var jobs = await scans.ListAsync(state, skip, PageSize, ct);
        var counts = await scans.CountsAsync(ct);
        var canScan = ConsoleAuth.CanScanRole(context.User);
        var csrf = ConsoleLayout.Csrf(context);
        var buttons = canScan ? H($"""
            <div class="actions">
            <form method="post" action="/scans/submit">{csrf}<label for="image">Image</label> <input id="image" name="image" required size="50" placeholder="registry.example/app:1.0"> <label><input type="checkbox" name="insecure" value="1"> plain HTTP or self-signed registry</label> <button type="submit" class="primary">Scan image</button></form>
            <form method="post" action="/scans/all" data-confirm="Queue a scan of every stored image?">{csrf}<label><input type="checkbox" name="insecure" value="1"> plain HTTP or self-signed registries</label> <button type="submit">Scan all</button></form>
            <form method="post" action="/scans/rematch" data-confirm="Re-match every stored image against the current advisory database?">{csrf}<button type="submit">Re-match all against the current database</button></form>
            <a href="/images">Scan selected images…</a>
            </div>
            """) : Markup.Empty;
        var filters = Join(new[] { "", "queued", "running", "succeeded", "failed", "cancelled" }, s =>
            H($"<li><a href=\"/scans{(s.Length == 0 ? "" : "?state=" + s)}\"{(s == (state ?? "") ? new Markup(" aria-current=\"page\"") : Markup.Empty)}>{(s.Length == 0 ? "all" : s)}</a></li>"));
        var body = H($"""
            {buttons}
            <p>{counts.GetValueOrDefault(JobState.Queued)} queued · {counts.GetValueOrDefault(JobState.Running)} running · {counts.GetValueOrDefault(JobState.Succeeded)} succeeded · {counts.GetValueOrDefault(JobState.Failed) + counts.GetValueOrDefault(JobState.Dead)} failed · {counts.GetValueOrDefault(JobState.Cancelled)} cancelled</p>
            <nav aria-label="Scan states"><ul class="tabs">{filters}</ul></nav>
            <p id="live-status" class="muted" aria-live="polite"></p>
            <table><thead><tr><th>Scan</th><th>Image</th><th>Status</th><th>Progress</th><th>Result</th><th>Queued</th><th>Finished</th><th><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody id="jobs" data-live="/scans/events?offset={skip}{(state is null ? "" : "&state=" + U(state))}">{Rows(context, jobs)}</tbody></table>
            <nav class="pager" aria-label="Pages">{When(skip > 0, H($"<a href=\"/scans?offset={Math.Max(0, skip - PageSize)}{(state is null ? "" : "&state=" + U(state))}\">Newer</a>"))}{When(jobs.Count == PageSize, H($"<a href=\"/scans?offset={skip + PageSize}{(state is null ? "" : "&state=" + U(state))}\">Older</a>"))}</nav>
            """);
        return ConsoleLayout.Page(context, "Scans", "scans", body);
    }

    public static Markup Rows(HttpContext context, IReadOnlyList<ConsoleJob> jobs)
    {
        var canScan = ConsoleAuth.CanScanRole(context.User);
        var csrf = ConsoleLayout.Csrf(context);
        return Join(jobs, j =>
        {
            var progress = j.Status == "running" && j.Total is > 0
                ? H($"<progress class=\"progress\" max=\"{j.Total}\" value=\"{j.Current}\">{j.Current}/{j.Total}</progress> {j.Message}")
                : H($"{(j.Status == "running" ? j.Message ?? "starting" : "")}");
            var result = j.Status switch
            {
                "succeeded" => H($"{Verdict(j.Verdict)}{When(j.ScanId is not null, H($" <a href=\"/images?q={U(j.Image)}\">images</a>"))}"),
                "failed" or "cancelled" => H($"<span class=\"notice error\">{j.Error}</span> <span class=\"muted\">attempt {j.Attempts}/{j.MaxAttempts}</span>"),
                _ => j.CancelRequested ? H($"cancel requested") : Markup.Empty,
            };
            var cancel = canScan && j.Status is "queued" or "running" && !j.CancelRequested
                ? H($"<form method=\"post\" action=\"/scans/{U(j.Id)}/cancel\">{csrf}<button type=\"submit\">Cancel</button></form>")
                : Markup.Empty;
            return H($"<tr data-status=\"{j.Status}\"><td><code>{j.Id}</code></td><td>{j.Image}</td><td>{j.Status}</td><td>{progress}</td><td>{result}</td><td>{Time(j.CreatedAt)}</td><td>{Time(j.FinishedAt)}</td><td>{cancel}</td></tr>");
        });
    }

    /// <summary>Server-sent events: the table's rows, re-sent whenever the queue changes, until the page goes away.</summary>
    private static async Task EventsAsync(HttpContext context, string? state, int? offset, ConsoleScans scans, CancellationToken ct)
    {
        ConsoleLayout.SecurityHeaders(context.Response);
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        string? last = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var rows = Rows(context, await scans.ListAsync(state, Math.Max(offset ?? 0, 0), PageSize, ct)).Value;
                if (rows != last)
                {
                    last = rows;
                    var data = string.Join('\n', rows.Split('\n').Select(line => "data: " + line.TrimEnd('\r')));
                    await context.Response.WriteAsync($"event: rows\n{data}\n\n", ct);
                    await context.Response.Body.FlushAsync(ct);
                }

                await Task.Delay(LiveInterval, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the page was closed
        }
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, ConsoleScans scans, CancellationToken ct)
    {
        var form = await context.Request.ReadFormAsync(ct);
        var (id, error) = await scans.SubmitAsync(context, form["image"].ToString(), form["policy"].ToString(), ct, form["insecure"].ToString() == "1");
        return id is null ? Outcome(context, null, [error!]) : Results.Redirect("/scans", preserveMethod: false);
    }

    private static async Task<IResult> ScanAllAsync(HttpContext context, ServerStore server, ConsoleScans scans, CancellationToken ct)
    {
        var insecure = context.Request.HasFormContentType && (await context.Request.ReadFormAsync(ct))["insecure"].ToString() == "1";
        var images = await (await server.OpenAsync(ct)).LatestPerImageAsync(ct);
        var (queued, errors) = await scans.SubmitStoredAsync(context, images, ct, insecure);
        return Outcome(context, $"Queued {queued} of {images.Count} stored image(s).", errors);
    }

    private static async Task<IResult> RematchAsync(HttpContext context, ConsoleScans scans, CancellationToken ct)
    {
        var (results, error) = await scans.RematchAllAsync(context, ct);
        if (results is null)
        {
            return Outcome(context, null, [error!]);
        }

        var body = H($"""
            {ConsoleLayout.Notice($"Re-matched {results.Count} image(s); {results.Count(r => r.NewlyVulnerable.Count + r.NoLongerVulnerable.Count > 0)} changed.")}
            <table><thead><tr><th>Image</th><th>Newly vulnerable</th><th>No longer vulnerable</th></tr></thead><tbody>
            {Join(results, r => H($"<tr><td>{r.Reference}</td><td>{string.Join(", ", r.NewlyVulnerable)}</td><td>{string.Join(", ", r.NoLongerVulnerable)}</td></tr>"))}
            </tbody></table><p><a href="/">Dashboard</a> · <a href="/scans">Scans</a></p>
            """);
        return ConsoleLayout.Page(context, "Re-match", "scans", body);
    }

    private static async Task<IResult> CancelAsync(HttpContext context, string id, ConsoleScans scans, CancellationToken ct) =>
        await scans.CancelAsync(context, id, ct) is { } error ? Outcome(context, null, [error]) : Results.Redirect("/scans", preserveMethod: false);

    /// <summary>What a button did, with the problems of what it could not do.</summary>
    public static IResult Outcome(HttpContext context, string? done, IReadOnlyList<string> errors)
    {
        var body = H($"""
            {ConsoleLayout.Notice(done)}
            {When(errors.Count > 0, H($"<div class=\"notice error\" role=\"alert\"><ul>{Join(errors, e => H($"<li>{e}</li>"))}</ul></div>"))}
            <p><a href="/scans">Back to the scans</a></p>
            """);
        return ConsoleLayout.Page(context, "Scans", "scans", body, done is null && errors.Count > 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }
}
