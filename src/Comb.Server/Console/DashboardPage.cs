using Comb.Server.History;
using Comb.Server.Scans;
using Comb.Storage;
using Comb.VulnDb.Database;
using Microsoft.AspNetCore.Http;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>`/`: how safe the fleet is at a glance, every figure from SQL aggregates over the newest scan of each image, kept until a scan is recorded or deleted.</summary>
public static class DashboardPage
{
    public const int TrendDays = 30;

    public static async Task<IResult> RenderAsync(HttpContext context, ServerStore server, ConsoleScans scans, AdvisoryDbVersion advisories, TimeProvider time, CancellationToken ct)
    {
        var store = await server.OpenAsync(ct);
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var (overview, top, riskiest, trend) = await store.DashboardAsync(today, TrendDays, 10, ct);
        var notScanned = await scans.NotScannedAsync(ct);

        static Markup Card(string label, long value, string? href = null) => href is null
            ? H($"<div class=\"card\"><span class=\"value\">{Number(value)}</span><span class=\"label\">{label}</span></div>")
            : H($"<div class=\"card\"><a href=\"{href}\"><span class=\"value\">{Number(value)}</span><span class=\"label\">{label}</span></a></div>");

        long Verdict(string name) => overview.Verdicts.GetValueOrDefault(name);
        var body = H($"""
            <section aria-labelledby="fleet"><h2 id="fleet">Fleet</h2><div class="cards">
            {Card("images scanned", overview.Images, "/images")}{Card("images not scanned yet", notScanned, "/scans")}{Card("scans stored", overview.Scans)}
            {Card("pass", Verdict("pass"), "/images?verdict=pass")}{Card("warn", Verdict("warn"), "/images?verdict=warn")}{Card("block", Verdict("block"), "/images?verdict=block")}{Card("no policy", Verdict("none"), "/images?verdict=none")}
            </div></section>
            <section aria-labelledby="findings"><h2 id="findings">Findings</h2><div class="cards">
            {Card("critical", overview.Critical, "/images?severity=CRITICAL")}{Card("high", overview.High, "/images?severity=HIGH")}{Card("medium", overview.Medium, "/images?severity=MEDIUM")}{Card("low", overview.Low, "/images?severity=LOW")}{Card("unknown severity", overview.Unknown)}
            </div><div class="cards">
            {Card("vulnerabilities", overview.Vulnerabilities)}{Card("secrets", overview.Secrets, "/images?secrets=1")}{Card("malware", overview.Malware, "/images?secrets=1")}{Card("misconfigurations", overview.Misconfigurations)}{Card("untrusted images", overview.Untrusted)}
            {Card("with a fix", overview.Fixable, "/images?fix=1")}{Card("known exploited (KEV)", overview.KnownExploited)}
            </div>
            <p class="muted">Advisory database: {DatabaseAge(advisories, time)}</p></section>
            <div class="grid2">
            <section aria-labelledby="top-cves"><h2 id="top-cves">Top 10 vulnerabilities by affected images</h2>{TopTable(top)}</section>
            <section aria-labelledby="riskiest"><h2 id="riskiest">Top 10 riskiest images</h2>{RiskTable(riskiest)}</section>
            </div>
            <section aria-labelledby="trend"><h2 id="trend">Open vulnerabilities per day (last {TrendDays} days)</h2>{TrendChart.Render(trend)}</section>
            """);
        return ConsoleLayout.Page(context, "Dashboard", "dashboard", body);
    }

    public static string DatabaseAge(AdvisoryDbVersion advisories, TimeProvider time)
    {
        if (!File.Exists(advisories.Path))
        {
            return "none: run comb db update (or comb db import DIR) with the server's cache directory";
        }

        try
        {
            var info = AdvisoryDbInfo.Read(advisories.Path);
            var age = time.GetUtcNow() - info.BuiltAt;
            var text = age.TotalDays >= 1 ? $"{(int)age.TotalDays} day(s)" : $"{Math.Max(0, (int)age.TotalHours)} hour(s)";
            return $"built {Time(info.BuiltAt)}, {text} old, {Number(info.AdvisoryCount)} advisories";
        }
        catch (Contracts.CombInputException ex)
        {
            return "unreadable: " + ex.Message;
        }
    }

    private static Markup TopTable(IReadOnlyList<CveCount> top) => top.Count == 0 ? H($"<p class=\"muted\">No vulnerabilities found.</p>") : H($"""
        <table><thead><tr><th>Vulnerability</th><th>Severity</th><th class="num">Images</th><th>Fix</th><th>KEV</th></tr></thead><tbody>
        {Join(top, c => H($"<tr><td><a href=\"/vulnerabilities/{U(c.Id)}\">{c.Id}</a></td><td>{Severity(c.Severity)}</td><td class=\"num\">{c.Images}</td><td>{(c.Fixable ? "yes" : "no")}</td><td>{When(c.KnownExploited, H($"<span class=\"kev\">KEV</span>"))}</td></tr>"))}
        </tbody></table>
        """);

    private static Markup RiskTable(IReadOnlyList<ScanSummary> images) => images.Count == 0 ? H($"<p class=\"muted\">No image has findings.</p>") : H($"""
        <table><thead><tr><th>Image</th><th class="num">C</th><th class="num">H</th><th class="num">M</th><th class="num">Secrets</th><th class="num">Malware</th><th>Verdict</th></tr></thead><tbody>
        {Join(images, s => H($"<tr><td><a href=\"/images/{U(s.Digest)}\">{s.Reference}</a></td><td class=\"num\">{s.Critical}</td><td class=\"num\">{s.High}</td><td class=\"num\">{s.Medium}</td><td class=\"num\">{s.Secrets}</td><td class=\"num\">{s.Malware}</td><td>{Verdict(s.Verdict)}</td></tr>"))}
        </tbody></table>
        """);
}
