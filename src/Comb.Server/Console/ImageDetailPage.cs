using Comb.Contracts;
using Comb.Server.History;
using Comb.Server.Policies;
using Comb.Server.Vex;
using Comb.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using static Comb.Server.WebConsole.Html;

namespace Comb.Server.WebConsole;

/// <summary>`/images/{digest}`: one image's newest scan (or ?scan=ID) with a tab per kind of finding, its SBOM, reports and history.</summary>
public static class ImageDetailPage
{
    private static readonly (string Key, string Label)[] Tabs =
    [
        ("summary", "Summary"), ("layers", "Layers"), ("vulnerabilities", "Vulnerabilities"), ("secrets", "Secrets"), ("malware", "Malware"),
        ("misconfigurations", "Misconfiguration"), ("trust", "Trust"), ("sbom", "SBOM"), ("reports", "Reports"), ("history", "History"),
    ];

    private static readonly Dictionary<string, (string ContentType, string Extension)> Formats = new(StringComparer.Ordinal)
    {
        ["json"] = ("application/json", "json"), ["sarif"] = ("application/sarif+json", "sarif"), ["cyclonedx"] = ("application/vnd.cyclonedx+json", "cdx.json"),
        ["spdx"] = ("application/spdx+json", "spdx.json"), ["junit"] = ("application/xml", "junit.xml"), ["table"] = ("text/plain; charset=utf-8", "txt"),
    };

    /// <summary>Scans whose findings are compared in the history tab (each comparison reads two reports).</summary>
    private const int HistoryDiffs = 10;

    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/images/{digest}", RenderAsync);
        group.MapGet("/images/{digest}/report", DownloadAsync);
    }

    private static async Task<(ScanStore Store, IReadOnlyList<ScanSummary> Scans, ScanSummary? Shown)> FindAsync(ServerStore server, string digest, string? scanId, CancellationToken ct)
    {
        var store = await server.OpenAsync(ct);
        var scans = (await store.TimelineAsync(digest, ct)).Where(s => s.Digest == digest).ToList();
        var shown = scanId is null ? scans.LastOrDefault() : scans.FirstOrDefault(s => s.Id == scanId);
        return (store, scans, shown);
    }

    private static async Task<IResult> RenderAsync(HttpContext context, string digest, string? tab, string? scan, ServerStore server, PolicyStore policies, StoredVex vex,
        TimeProvider time, CancellationToken ct)
    {
        var (store, scans, shown) = await FindAsync(server, digest, scan, ct);
        if (shown is null || await store.GetAsync(shown.Id, ct) is not { } report)
        {
            return ConsoleLayout.Page(context, "Image not found", "images", ConsoleLayout.Notice($"No stored scan of {digest}{(scan is null ? "" : $" with id {scan}")}.", error: true), StatusCodes.Status404NotFound);
        }

        var current = Tabs.Any(t => t.Key == tab) ? tab! : "summary";
        var exceptions = new FindingExceptions(await policies.ExceptionsAsync(null, ct), PolicyCatalog.Today(time));
        var scanQuery = scan is null ? "" : "&scan=" + U(scan);
        var tabs = Join(Tabs, t => H($"<li><a href=\"/images/{U(digest)}?tab={t.Key}{scanQuery}\"{(t.Key == current ? new Markup(" aria-current=\"page\"") : Markup.Empty)}>{t.Label}{Count(report, t.Key)}</a></li>"));
        var content = current switch
        {
            "layers" => Layers(report),
            "vulnerabilities" => Vulnerabilities(context, report, exceptions, await NotAffectedAsync(vex, report, ct), await policies.ListAsync(ct)),
            "secrets" => Secrets(report),
            "malware" => Malware(report),
            "misconfigurations" => Misconfigurations(report),
            "trust" => Trust(report),
            "sbom" => Sbom(report, digest, scan),
            "reports" => Reports(digest, scan),
            "history" => await HistoryAsync(store, scans, digest, ct),
            _ => Summary(context, report, shown, scans.Count),
        };
        var body = H($"""
            <p><code>{digest}</code>{When(scan is not null, H($" · scan <code>{scan}</code> (<a href=\"/images/{U(digest)}\">newest</a>)"))}</p>
            <nav aria-label="Image sections"><ul class="tabs">{tabs}</ul></nav>
            <section aria-label="{current}">{content}</section>
            """);
        return ConsoleLayout.Page(context, report.Image.Reference, "images", body);
    }

    private static Markup Count(ScanReport r, string tab)
    {
        int? n = tab switch
        {
            "vulnerabilities" => r.Vulnerabilities.Count, "secrets" => r.Secrets.Count, "malware" => r.Malware.Count,
            "misconfigurations" => r.Misconfigurations.Count, "layers" => r.Image.Layers.Count, _ => null,
        };
        return n is { } count ? H($" <span class=\"muted\">({count})</span>") : Markup.Empty;
    }

    private static Markup Summary(HttpContext context, ScanReport r, ScanSummary s, int scanCount)
    {
        var reference = ConsoleScans.PullReference(s);
        var scanButton = ConsoleAuth.CanScanRole(context.User) && reference is not null
            ? H($"<form method=\"post\" action=\"/scans/submit\">{ConsoleLayout.Csrf(context)}<input type=\"hidden\" name=\"image\" value=\"{reference}\"><button type=\"submit\" class=\"primary\">Scan this image now</button></form>")
            : Markup.Empty;
        var fired = r.Policy?.Fired ?? [];
        return H($"""
            <div class="actions">{scanButton}</div>
            <dl class="facts">
            <dt>Reference</dt><dd>{r.Image.Reference}</dd>
            <dt>Manifest digest</dt><dd><code>{r.Image.ManifestDigest}</code></dd>
            <dt>Image id (config)</dt><dd><code>{r.Image.ConfigDigest}</code></dd>
            <dt>Platform</dt><dd>{r.Image.Platform.ToString()}</dd>
            <dt>OS</dt><dd>{(r.Os is null ? "unknown" : $"{r.Os.Family} {r.Os.Name}")}</dd>
            <dt>User</dt><dd>{r.Image.Config.Config?.User ?? "(root)"}</dd>
            <dt>Scanned</dt><dd>{Time(r.CreatedAt)} by {r.Trigger ?? "unknown"}, scan {r.ScanId} ({scanCount} scan(s) of this image)</dd>
            <dt>Advisory database</dt><dd>{r.AdvisoryDbVersion ?? "none"}</dd>
            <dt>Verdict</dt><dd>{Verdict(r.Policy?.Decision)}{(r.Policy?.PolicyName is { } p ? " by policy " + p : "")}</dd>
            <dt>Vulnerabilities</dt><dd>{s.Critical} critical, {s.High} high, {s.Medium} medium, {s.Low} low, {s.Unknown} unknown; {r.Vulnerabilities.Count(v => v.FixedVersions.Count > 0)} with a fix; {r.Vulnerabilities.Count(v => v.KnownExploited)} known exploited</dd>
            <dt>Other findings</dt><dd>{r.Secrets.Count} secret(s), {r.Malware.Count} malware, {r.Misconfigurations.Count} misconfiguration(s)</dd>
            <dt>Packages</dt><dd>{s.Packages}</dd>
            </dl>
            {When(fired.Count > 0, H($"<h2>Policy rules that fired</h2><ul>{Join(fired, f => H($"<li><strong>{f.RuleId}</strong> ({f.Action}): {f.Message}</li>"))}</ul>"))}
            {When(r.Diagnostics.Count > 0, H($"<details><summary>Diagnostics ({r.Diagnostics.Count})</summary><ul>{Join(r.Diagnostics, d => H($"<li>{d.Message} <code>{d.Path}</code></li>"))}</ul></details>"))}
            """);
    }

    private static Markup Layers(ScanReport r)
    {
        var packages = r.Packages.ToList();
        var rows = Join(r.Image.Layers, l =>
        {
            var added = packages.Where(p => p.LayerDiffId == l.DiffId).ToList();
            var vulns = r.Vulnerabilities.Count(v => v.LayerDiffId == l.DiffId);
            var other = r.Secrets.Count(x => x.LayerDiffId == l.DiffId) + r.Malware.Count(x => x.LayerDiffId == l.DiffId) + r.Misconfigurations.Count(x => x.LayerDiffId == l.DiffId);
            var list = added.Count == 0 ? H($"<span class=\"muted\">none</span>")
                : H($"<details><summary>{added.Count} package(s)</summary><ul>{Join(added.Take(500), p => H($"<li>{p.Name} {p.Version} <span class=\"muted\">{p.Type}</span></li>"))}</ul></details>");
            return H($"""
                <tr><td class="num">{l.Index}</td><td><code>{l.CreatedBy ?? "(unknown)"}</code><br><code class="muted">{Short(l.DiffId)}</code></td>
                <td class="num">{Size(l.Size)}</td><td>{list}</td><td class="num">{vulns}</td><td class="num">{other}</td></tr>
                """);
        });
        return H($"""
            <table><thead><tr><th class="num">#</th><th>Created by</th><th class="num">Size</th><th>Packages added</th><th class="num">Vulnerabilities</th><th class="num">Secrets, malware, misconfig</th></tr></thead>
            <tbody>{rows}</tbody></table>
            """);
    }

    /// <summary>The findings the stored VEX statements judge not affected: those the `--vex` presentation leaves out.</summary>
    private static async Task<IReadOnlySet<VulnerabilityFinding>> NotAffectedAsync(StoredVex vex, ScanReport report, CancellationToken ct)
    {
        var kept = (await vex.PresentAsync(report, ct)).Vulnerabilities.ToHashSet<VulnerabilityFinding>(ReferenceEqualityComparer.Instance);
        return report.Vulnerabilities.Where(v => !kept.Contains(v)).ToHashSet<VulnerabilityFinding>(ReferenceEqualityComparer.Instance);
    }

    private static Markup Vulnerabilities(HttpContext context, ScanReport r, FindingExceptions exceptions, IReadOnlySet<VulnerabilityFinding> notAffected, IReadOnlyList<StoredPolicy> policies)
    {
        if (r.Vulnerabilities.Count == 0)
        {
            return H($"<p class=\"muted\">No vulnerabilities.</p>");
        }

        var admin = ConsoleAuth.IsAdmin(context.User);
        var layerIndex = r.Image.Layers.ToDictionary(l => l.DiffId, l => l.Index, StringComparer.Ordinal);
        var ordered = r.Vulnerabilities.OrderByDescending(v => v.Severity).ThenBy(v => v.Id, StringComparer.Ordinal).ThenBy(v => v.PackageName, StringComparer.Ordinal)
            .Select(v => (Vuln: v, Exception: notAffected.Contains(v) ? null : exceptions.Covering(v, r.Image))).ToList();
        Markup Row((VulnerabilityFinding Vuln, StoredException? Exception) item)
        {
            var v = item.Vuln;
            var layer = v.LayerDiffId is { } d && layerIndex.TryGetValue(d, out var i) ? $"layer {i}" : Short(v.LayerDiffId);
            var cvss = Join(v.Cvss, c => H($"<li>{c.Source} CVSS {c.Version} {(c.BaseScore is { } b ? b.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "")} <code>{c.Vector}</code></li>"));
            var triage = admin && item.Exception is null && !notAffected.Contains(v) ? Triage(context, r, v, policies) : Markup.Empty;
            return H($"""
                <tr class="{(notAffected.Contains(v) ? "not-affected" : item.Exception is null ? "open" : "excepted")}">
                <td><a href="/vulnerabilities/{U(v.Id)}">{v.Id}</a>{When(v.KnownExploited, H($" <span class=\"kev\" title=\"known exploited\">KEV</span>"))}<br><span class="muted">{string.Join(", ", v.Aliases)}</span></td>
                <td>{Severity(v.Severity.ToUpperName())}</td>
                <td><a href="/vulnerabilities/{U(v.PackageName)}">{v.PackageName}</a> {v.InstalledVersion}<br><span class="muted">{v.PackageType}</span></td>
                <td>{(v.FixedVersions.Count > 0 ? string.Join(", ", v.FixedVersions) : "no fix")}<br><span class="muted">{v.Status}</span></td>
                <td>{layer}<br><code>{v.Path}</code></td>
                <td>{(item.Exception is { } e ? H($"<span class=\"muted\">excepted: {e.Reason} ({e.Id}{(e.Expires is { } x ? ", until " + x.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "")}, owner {e.Accountable})</span>") : Markup.Empty)}
                {When(notAffected.Contains(v), H($"<span class=\"muted\">not affected by a VEX statement (<a href=\"/vex/openvex.json\">OpenVEX</a>)</span>"))}
                <details><summary>Details</summary><dl class="facts">
                <dt>Title</dt><dd>{v.Title}</dd><dt>Description</dt><dd>{v.Description}</dd>
                <dt>Severity source</dt><dd>{v.SeveritySource} {v.SeverityOrigin}</dd><dt>CVSS</dt><dd><ul>{cvss}</ul></dd>
                <dt>Tags</dt><dd>{string.Join(", ", v.Tags)}</dd><dt>CWE</dt><dd>{string.Join(", ", v.Cwes)}</dd>
                <dt>Check</dt><dd><code>{v.CheckCommand}</code></dd><dt>Fix advice</dt><dd>{v.FixAdvice}</dd>
                <dt>Purl</dt><dd><code>{v.PackagePurl}</code></dd><dt>Source package</dt><dd>{v.SourcePackageName}</dd>
                <dt>Data sources</dt><dd>{string.Join(", ", v.DataSources)}</dd><dt>Published</dt><dd>{Time(v.Published)}</dd><dt>Modified</dt><dd>{Time(v.Modified)}</dd>
                <dt>References</dt><dd><ul>{Join(v.References.Take(20), u => H($"<li>{u}</li>"))}</ul></dd>
                </dl>{triage}</details></td></tr>
                """);
        }

        var open = ordered.Where(x => x.Exception is null && !notAffected.Contains(x.Vuln)).ToList();
        var excepted = ordered.Where(x => x.Exception is not null).ToList();
        var vexed = ordered.Where(x => notAffected.Contains(x.Vuln)).ToList();
        var head = H($"<thead><tr><th>Id</th><th>Severity</th><th>Package</th><th>Fixed in</th><th>Where</th><th>Details</th></tr></thead>");
        return H($"""
            <table id="vulns"><caption class="visually-hidden">Open vulnerabilities</caption>{head}<tbody>{Join(open, Row)}</tbody></table>
            {When(excepted.Count > 0, H($"<details id=\"excepted\"><summary>{excepted.Count} finding(s) hidden by a live exception</summary><table>{head}<tbody>{Join(excepted, Row)}</tbody></table></details>"))}
            {When(vexed.Count > 0, H($"<details id=\"not-affected\"><summary>{vexed.Count} finding(s) not affected (VEX)</summary><table>{head}<tbody>{Join(vexed, Row)}</tbody></table></details>"))}
            """);
    }

    /// <summary>
    /// Admins triage a finding: not affected or false positive become an OpenVEX statement (with a justification), an
    /// accepted risk an exception of a policy with an end date and an owner; for this image or the whole fleet.
    /// </summary>
    private static Markup Triage(HttpContext context, ScanReport r, VulnerabilityFinding v, IReadOnlyList<StoredPolicy> policies) => H($"""
        <form method="post" action="/exceptions/triage" class="filters triage">{ConsoleLayout.Csrf(context)}
        <input type="hidden" name="finding" value="{v.Id}"><input type="hidden" name="package" value="{v.PackageName}">
        <input type="hidden" name="image" value="{DigestOf.Image(r.Image)}">
        <label><span>Triage</span><select name="status"><option value="not_affected">not affected</option><option value="false_positive">false positive</option><option value="accepted_risk">accepted risk</option></select></label>
        <label><span>Justification (not affected, false positive)</span><select name="justification">{Join(VexTerms.Justifications, j => H($"<option>{j}</option>"))}</select></label>
        <label><span>Reason</span><input name="reason" required></label>
        <label><span>Policy (accepted risk)</span><select name="policy">{Join(policies, p => H($"<option>{p.Name}</option>"))}</select></label>
        <label><span>Until (accepted risk)</span><input type="date" name="expires"></label>
        <label><span>Owner (accepted risk)</span><input name="owner" value="{context.User.Identity?.Name}"></label>
        <label><span>Whole fleet</span><input type="checkbox" name="fleet" value="1"></label>
        <button type="submit">Save triage</button></form>
        """);

    private static Markup Secrets(ScanReport r) => r.Secrets.Count == 0 ? H($"<p class=\"muted\">No secrets.</p>") : H($"""
        <p class="muted">Values are masked: the console never shows a secret.</p>
        <table><thead><tr><th>Rule</th><th>Severity</th><th>Where</th><th>Masked value</th><th>Context</th></tr></thead><tbody>
        {Join(r.Secrets, s => H($"<tr><td>{s.Title}<br><span class=\"muted\">{s.RuleId} {s.Category}</span></td><td>{Severity(s.Severity.ToUpperName())}</td><td><code>{s.Path}{(s.Line is { } l ? ":" + l : "")}</code><br><span class=\"muted\">{Short(s.LayerDiffId)}{(s.DeletedInLaterLayer ? " · deleted in a later layer, still in the image" : "")}</span></td><td class=\"secret\">{s.Masked}</td><td><code>{s.Snippet}</code></td></tr>"))}
        </tbody></table>
        """);

    private static Markup Malware(ScanReport r) => r.Malware.Count == 0 ? H($"<p class=\"muted\">No malware.</p>") : H($"""
        <table><thead><tr><th>Path</th><th>Category</th><th>Severity</th><th>Engines</th><th>Signatures</th><th>Evidence</th></tr></thead><tbody>
        {Join(r.Malware, m => H($"<tr><td><code>{m.Path}</code><br><span class=\"muted\">sha256 {m.Sha256}{(m.DeletedInLaterLayer ? " · deleted in a later layer" : "")}</span></td><td>{m.Category}</td><td>{Severity(m.Severity.ToUpperName())}</td><td>{string.Join(", ", m.Engines)}</td><td>{string.Join(", ", m.Signatures)}{(m.Score is { } sc ? $" (score {sc:0.00})" : "")}</td><td><ul>{Join(m.Evidence, e => H($"<li>{e}</li>"))}</ul></td></tr>"))}
        </tbody></table>
        """);

    private static Markup Misconfigurations(ScanReport r) => r.Misconfigurations.Count == 0 ? H($"<p class=\"muted\">No misconfiguration.</p>") : H($"""
        <table><thead><tr><th>Check</th><th>Severity</th><th>Where</th><th>Message</th><th>Fix</th></tr></thead><tbody>
        {Join(r.Misconfigurations, c => H($"<tr><td>{c.CheckId}<br>{c.Title}</td><td>{Severity(c.Severity.ToUpperName())}</td><td><code>{c.Location}</code></td><td>{c.Message}<br><span class=\"muted\">{c.Rationale}</span></td><td>{c.Fix}</td></tr>"))}
        </tbody></table>
        """);

    private static Markup Trust(ScanReport r) => r.Trust is not { } t ? H($"<p class=\"muted\">Trust was not checked (no trust policy).</p>") : H($"""
        <dl class="facts"><dt>Trusted</dt><dd>{(t.Trusted ? "yes" : "no")}</dd><dt>Signature</dt><dd>{t.SignatureStatus}</dd><dt>Key</dt><dd><code>{t.SignatureKey}</code></dd></dl>
        <ul>{Join(t.Reasons, x => H($"<li>{x}</li>"))}</ul>
        """);

    private static Markup Sbom(ScanReport r, string digest, string? scan)
    {
        var q = scan is null ? "" : "&scan=" + U(scan);
        var packages = r.Packages.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Version, StringComparer.Ordinal).ToList();
        return H($"""
            <div class="actions"><a href="/images/{U(digest)}/report?format=cyclonedx{q}" download>Download CycloneDX</a> <a href="/images/{U(digest)}/report?format=spdx{q}" download>Download SPDX</a></div>
            <table><thead><tr><th>Package</th><th>Version</th><th>Type</th><th>Licences</th><th>Where</th></tr></thead><tbody>
            {Join(packages.Take(2000), p => H($"<tr><td><a href=\"/vulnerabilities/{U(p.Name)}\">{p.Name}</a></td><td>{p.Version}</td><td>{p.Type}</td><td>{string.Join(", ", p.Licenses ?? [])}</td><td><code>{p.Path}</code></td></tr>"))}
            </tbody></table>{When(packages.Count > 2000, H($"<p class=\"muted\">{packages.Count - 2000} more in the downloads.</p>"))}
            """);
    }

    private static Markup Reports(string digest, string? scan)
    {
        var q = scan is null ? "" : "&scan=" + U(scan);
        return H($"<ul>{Join(Formats, f => H($"<li><a href=\"/images/{U(digest)}/report?format={f.Key}{q}\" download>{f.Key}</a></li>"))}</ul>");
    }

    private static async Task<Markup> HistoryAsync(ScanStore store, IReadOnlyList<ScanSummary> scans, string digest, CancellationToken ct)
    {
        // What appeared and disappeared between consecutive scans, for the newest few.
        var changes = new Dictionary<string, ScanDiff>(StringComparer.Ordinal);
        var recent = scans.TakeLast(HistoryDiffs + 1).ToList();
        ScanReport? previous = null;
        foreach (var s in recent)
        {
            var report = await store.GetAsync(s.Id, ct);
            if (previous is not null && report is not null)
            {
                changes[s.Id] = ScanDiff.Compare(previous, report);
            }

            previous = report;
        }

        var rows = Join(scans.Reverse(), s =>
        {
            var diff = changes.GetValueOrDefault(s.Id);
            var change = diff is null ? Markup.Empty : H($"""
                {When(diff.NewVulnerabilities.Count > 0, H($"<div>appeared: {string.Join(", ", diff.NewVulnerabilities)}</div>"))}
                {When(diff.FixedVulnerabilities.Count > 0, H($"<div>disappeared: {string.Join(", ", diff.FixedVulnerabilities)}</div>"))}
                {When(diff.NewSecrets.Count + diff.NewMalware.Count > 0, H($"<div>new secrets/malware: {string.Join(", ", diff.NewSecrets.Concat(diff.NewMalware))}</div>"))}
                {When(diff.VerdictChanged, H($"<div>verdict {diff.VerdictFrom ?? "none"} → {diff.VerdictTo ?? "none"}</div>"))}
                """);
            return H($"<tr><td><a href=\"/images/{U(digest)}?scan={U(s.Id)}\">{Time(s.CreatedAt)}</a></td><td>{s.Trigger}</td><td>{Verdict(s.Verdict)}</td><td class=\"num\">{s.Critical}</td><td class=\"num\">{s.High}</td><td class=\"num\">{s.Medium}</td><td class=\"num\">{s.Low}</td><td>{s.DbVersion}</td><td>{change}</td></tr>");
        });
        return H($"""
            <table><thead><tr><th>Scanned</th><th>By</th><th>Verdict</th><th class="num">C</th><th class="num">H</th><th class="num">M</th><th class="num">L</th><th>Database</th><th>Changes since the scan before</th></tr></thead>
            <tbody>{rows}</tbody></table>
            """);
    }

    /// <summary>The stored report in a format, presented with the stored VEX statements applied (as `--vex` would).</summary>
    private static async Task<IResult> DownloadAsync(HttpContext context, string digest, string? format, string? scan, ServerStore server, StoredVex vex,
        IEnumerable<IReportWriter> writers, CancellationToken ct)
    {
        var wanted = format ?? "json";
        var writer = writers.FirstOrDefault(w => w.Format == wanted);
        if (writer is null || !Formats.TryGetValue(wanted, out var type))
        {
            return Results.Problem($"unknown format '{wanted}': use {string.Join(", ", Formats.Keys)}", statusCode: StatusCodes.Status400BadRequest);
        }

        var (store, _, shown) = await FindAsync(server, digest, scan, ct);
        if (shown is null || await store.GetAsync(shown.Id, ct) is not { } report)
        {
            return Results.Problem($"no stored scan of {digest}", statusCode: StatusCodes.Status404NotFound);
        }

        using var buffer = new MemoryStream();
        await writer.WriteAsync(await vex.PresentAsync(report, ct), buffer, ct);
        var name = $"{digest.Replace(':', '-')}.{type.Extension}";
        return Results.File(buffer.ToArray(), type.ContentType, name);
    }
}
