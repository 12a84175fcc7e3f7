using System.Net;
using System.Text.Json;
using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Console.Tests;

/// <summary>
/// Triage from the image page: not affected and false positive become OpenVEX statements that the server applies as
/// `--vex` applies a file, published as one document and revocable; accepted risk stays an exception, with an owner.
/// </summary>
public sealed class ConsoleTriageTests(SeededConsole seeded) : IClassFixture<SeededConsole>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ConsoleServer Server => seeded.Server;

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(string url, Dictionary<string, string> form, string role = "admin")
    {
        using var client = await Server.ClientAsync(role);
        var response = await client.PostAsync(url, new FormUrlEncodedContent(form), Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response);
    }

    private async Task<string> GetAsync(string url, string role = "viewer")
    {
        using var client = await Server.ClientAsync(role);
        var response = await client.GetAsync(url, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private Dictionary<string, string> Triage(string digest, string finding, string package, string status, string reason) => new()
    {
        ["image"] = digest, ["finding"] = finding, ["package"] = package, ["status"] = status, ["reason"] = reason,
    };

    [Fact]
    public async Task Not_affected_becomes_an_openvex_statement_applied_to_the_image_page_and_reports_until_revoked()
    {
        var digest = Server.ShopDigest;
        var tab = $"/images/{Uri.EscapeDataString(digest)}?tab=vulnerabilities";
        var form = Triage(digest, ConsoleServer.LodashCve, "lodash", "not_affected", "zipObjectDeep is never called");
        form["justification"] = "vulnerable_code_not_in_execute_path";
        var (status, _, response) = await PostAsync("/exceptions/triage", form);
        Assert.Equal(HttpStatusCode.Redirect, status);
        Assert.Equal(tab, response.Headers.Location?.ToString());

        var page = await GetAsync(tab);
        Assert.Contains("1 finding(s) not affected (VEX)", page, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden by a live exception", page, StringComparison.Ordinal);

        // The published document: OpenVEX 0.2.0, the image by purl and sha-256, the package as subcomponent, the author.
        using (var document = JsonDocument.Parse(await GetAsync("/vex/openvex.json")))
        {
            var root = document.RootElement;
            Assert.Equal("https://openvex.dev/ns/v0.2.0", root.GetProperty("@context").GetString());
            // Other tests of this class share the server and may have published their own statements first.
            var statement = Assert.Single(root.GetProperty("statements").EnumerateArray(), s => s.GetProperty("vulnerability").GetProperty("name").GetString() == ConsoleServer.LodashCve);
            Assert.Equal(ConsoleServer.LodashCve, statement.GetProperty("vulnerability").GetProperty("name").GetString());
            Assert.Equal("not_affected", statement.GetProperty("status").GetString());
            Assert.Equal("vulnerable_code_not_in_execute_path", statement.GetProperty("justification").GetString());
            Assert.Equal("not affected: zipObjectDeep is never called", statement.GetProperty("impact_statement").GetString());
            var product = Assert.Single(statement.GetProperty("products").EnumerateArray());
            Assert.Equal(digest["sha256:".Length..], product.GetProperty("hashes").GetProperty("sha-256").GetString());
            Assert.StartsWith("pkg:oci/", product.GetProperty("@id").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("pkg:npm/lodash@4.17.15", Assert.Single(product.GetProperty("subcomponents").EnumerateArray()).GetProperty("@id").GetString(), StringComparison.Ordinal);
            Assert.Contains("test admin", root.GetProperty("author").GetString(), StringComparison.Ordinal);
        }

        // The report download leaves the finding out; the stored scan still has it.
        Assert.DoesNotContain(ConsoleServer.LodashCve, await GetAsync($"/images/{Uri.EscapeDataString(digest)}/report?format=json"), StringComparison.Ordinal);
        Assert.Contains(ConsoleServer.LodashCve, await GetAsync($"/api/v1/history/{Uri.EscapeDataString(await NewestScanAsync(digest))}/report"), StringComparison.Ordinal);

        // Revoked, it is no longer applied or published, and the document gets a new version.
        int versionBefore;
        using (var document = JsonDocument.Parse(await GetAsync("/vex/openvex.json")))
        {
            versionBefore = document.RootElement.GetProperty("version").GetInt32();
        }

        var vexPage = await GetAsync("/vex", "admin");
        var row = vexPage.Split("<tr", StringSplitOptions.None).Single(r => r.Contains($">{ConsoleServer.LodashCve}</a>", StringComparison.Ordinal) && r.Contains("/revoke", StringComparison.Ordinal));
        var id = System.Text.RegularExpressions.Regex.Match(row, "action=\"/vex/(vex_[0-9a-f]+)/revoke\"").Groups[1].Value;
        Assert.NotEmpty(id);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync($"/vex/{id}/revoke", [], "scanner")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync($"/vex/{id}/revoke", [])).Status);
        Assert.DoesNotContain("not affected (VEX)", await GetAsync(tab), StringComparison.Ordinal);
        using (var document = JsonDocument.Parse(await GetAsync("/vex/openvex.json")))
        {
            Assert.DoesNotContain(document.RootElement.GetProperty("statements").EnumerateArray(), s => s.GetProperty("vulnerability").GetProperty("name").GetString() == ConsoleServer.LodashCve);
            Assert.Equal(versionBefore + 1, document.RootElement.GetProperty("version").GetInt32());
        }

        Assert.Contains("vex.revoke", await GetAsync("/audit?action=vex", "admin"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_false_positive_for_the_whole_fleet_names_the_package_and_reads_back_through_the_cli_vex_path()
    {
        var form = Triage(Server.EvilDigest, ConsoleServer.EvilCve, "evil-pkg", "false_positive", "matched a namesake package");
        form["fleet"] = "1";
        form["justification"] = "";
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync("/exceptions/triage", form)).Status);

        var json = await GetAsync("/vex/openvex.json");
        using (var document = JsonDocument.Parse(json))
        {
            var statement = document.RootElement.GetProperty("statements").EnumerateArray().Single(s => s.GetProperty("vulnerability").GetProperty("name").GetString() == ConsoleServer.EvilCve);
            Assert.Equal("vulnerable_code_not_present", statement.GetProperty("justification").GetString());
            var product = Assert.Single(statement.GetProperty("products").EnumerateArray());
            Assert.StartsWith("pkg:npm/evil-pkg@1.0.0", product.GetProperty("@id").GetString(), StringComparison.Ordinal);
            Assert.False(product.TryGetProperty("hashes", out _));
        }

        // The document as a `--vex` file: the engine's presentation filters drop the finding from the stored report.
        var file = Path.Combine(Server.Root, "openvex.json");
        await File.WriteAllTextAsync(file, json, Ct);
        var store = await Server.Services.GetRequiredService<Comb.Server.History.ServerStore>().OpenAsync(Ct);
        var report = (await store.GetAsync(await NewestScanAsync(Server.EvilDigest), Ct))!;
        Assert.Contains(report.Vulnerabilities, v => v.Id == ConsoleServer.EvilCve);
        var options = new ScanOptions { VexFiles = [file] };
        var presented = Server.Services.GetServices<IReportFilter>().Aggregate(report, (r, f) => f.Apply(r, options));
        Assert.DoesNotContain(presented.Vulnerabilities, v => v.Id == ConsoleServer.EvilCve);
        Assert.Contains("not affected (VEX)", await GetAsync($"/images/{Uri.EscapeDataString(Server.EvilDigest)}?tab=vulnerabilities"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Triage_input_is_checked()
    {
        var badJustification = Triage(Server.WebDigest, ConsoleServer.LodashCve, "lodash", "not_affected", "because");
        badJustification["justification"] = "trust_me";
        var (status, body, _) = await PostAsync("/exceptions/triage", badJustification);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("is not one of OpenVEX", body, StringComparison.Ordinal);

        // web carries the fixed lodash: there is no such finding to judge.
        var absent = Triage(Server.WebDigest, ConsoleServer.LodashCve, "lodash", "not_affected", "because");
        absent["justification"] = "component_not_present";
        (status, body, _) = await PostAsync("/exceptions/triage", absent);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("has no finding " + ConsoleServer.LodashCve, body, StringComparison.Ordinal);

        var risk = Triage(Server.ShopDigest, ConsoleServer.LodashCve, "lodash", "accepted_risk", "internal only");
        (status, body, _) = await PostAsync("/exceptions/triage", risk);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("needs an end date", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("/exceptions/triage", badJustification, "scanner")).Status);
    }

    [Fact]
    public async Task An_exception_has_an_owner_by_default_its_maker_and_an_admin_hands_it_over()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/policies/owners", new() { ["yaml"] = "name: owners\nrules:\n  - id: r1\n    action: block\n    vulnerabilities:\n      min-severity: high\n", ["action"] = "save" })).Status);
        var (status, body, _) = await PostAsync("/exceptions", new() { ["policy"] = "owners", ["finding"] = "CVE-2099-*", ["reason"] = "vendor fix pending", ["expires"] = "2099-01-01" });
        Assert.Equal(HttpStatusCode.OK, status);
        var id = System.Text.RegularExpressions.Regex.Match(body, "Added exception (exc_[0-9a-f]+)").Groups[1].Value;
        Assert.NotEmpty(id);

        using var api = await Server.ClientAsync("viewer");
        var view = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/exceptions/{id}", Ct)).RootElement;
        Assert.Equal("test admin", view.GetProperty("owner").GetString());

        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync($"/exceptions/{id}/owner", new() { ["owner"] = "platform-security" })).Status);
        view = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/exceptions/{id}", Ct)).RootElement;
        Assert.Equal("platform-security", view.GetProperty("owner").GetString());
        Assert.Contains("value=\"platform-security\"", await GetAsync("/exceptions", "admin"), StringComparison.Ordinal);
        Assert.Contains("<td>platform-security</td>", await GetAsync("/exceptions"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync($"/exceptions/{id}/owner", new() { ["owner"] = " " })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync($"/exceptions/{id}/owner", new() { ["owner"] = "me" }, "scanner")).Status);
    }

    private async Task<string> NewestScanAsync(string digest)
    {
        var store = await Server.Services.GetRequiredService<Comb.Server.History.ServerStore>().OpenAsync(Ct);
        return (await store.TimelineAsync(digest, Ct)).Last(s => s.Digest == digest).Id;
    }
}
