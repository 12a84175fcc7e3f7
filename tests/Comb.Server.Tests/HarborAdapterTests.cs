using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Comb.Server.Auth;
using Comb.Testing.Registry;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

/// <summary>
/// The Harbor pluggable scanner adapter (spec v1.2) driven as Harbor drives it: metadata, a scan request shaped like
/// the spec's example (registry URL and a robot account's Basic authorization), then polling the report while it
/// answers 302 with Refresh-After, against a real registry that demands those credentials.
/// </summary>
public sealed class HarborAdapterTests(ScanKit kit) : IClassFixture<ScanKit>
{
    private const string VulnerabilityReport = "application/vnd.security.vulnerability.report; version=1.1";
    private const string SbomReport = "application/vnd.security.sbom.report+json; version=1.0";
    private const string ScanRequestType = "application/vnd.scanner.adapter.scan.request+json; version=1.1";
    private const string ErrorType = "application/vnd.scanner.adapter.error+json; version=1.0";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> Settings(ScanKit kit, int workers)
    {
        var settings = kit.Settings(workers);
        settings["Comb:HarborRefreshAfterSeconds"] = "1";
        return settings;
    }

    [Fact]
    public async Task Metadata_names_the_scanner_its_capabilities_and_the_database_time_for_a_bearer_or_api_key_token()
    {
        await using var server = new ServerFactory(Settings(kit, workers: 0));
        using var scanner = await HarborClientAsync(server, "scanner");
        var response = await scanner.GetAsync("/harbor/api/v1/metadata", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.scanner.adapter.metadata+json; version=1.1", response.Content.Headers.ContentType!.ToString());
        var metadata = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal("Comb", metadata.GetProperty("scanner").GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(metadata.GetProperty("scanner").GetProperty("version").GetString()));
        var capabilities = metadata.GetProperty("capabilities").EnumerateArray().ToDictionary(c => c.GetProperty("type").GetString()!);
        Assert.Equal(["vulnerability", "sbom"], capabilities.Keys);
        foreach (var capability in capabilities.Values)
        {
            Assert.Equal(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"],
                capability.GetProperty("consumes_mime_types").EnumerateArray().Select(m => m.GetString()));
        }

        Assert.Contains(VulnerabilityReport, capabilities["vulnerability"].GetProperty("produces_mime_types").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal([SbomReport], capabilities["sbom"].GetProperty("produces_mime_types").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["application/spdx+json", "application/vnd.cyclonedx+json"],
            capabilities["sbom"].GetProperty("additional_attributes").GetProperty("sbom_media_types").EnumerateArray().Select(m => m.GetString()));
        var updated = metadata.GetProperty("properties").GetProperty("harbor.scanner-adapter/vulnerability-database-updated-at").GetString()!;
        Assert.True(DateTimeOffset.TryParse(updated, out var builtAt) && builtAt > DateTimeOffset.UtcNow.AddDays(-1), updated);

        // Harbor's "X-ScannerAdapter-API-Key" access mode carries the same token in its own header.
        var token = scanner.DefaultRequestHeaders.Authorization!.Parameter!;
        using var apiKey = server.CreateClient(NoRedirects);
        apiKey.DefaultRequestHeaders.Add("X-ScannerAdapter-API-Key", token);
        Assert.Equal(HttpStatusCode.OK, (await apiKey.GetAsync("/harbor/api/v1/metadata", Ct)).StatusCode);
        using var anonymous = server.CreateClient(NoRedirects);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/harbor/api/v1/metadata", Ct)).StatusCode);

        // The header opens the adapter only; the rest of the API still wants Authorization: Bearer.
        Assert.Equal(HttpStatusCode.Unauthorized, (await apiKey.GetAsync("/api/v1/scans", Ct)).StatusCode);
    }

    [Fact]
    public async Task Harbor_submits_polls_with_refresh_after_and_gets_both_reports_pulled_with_its_robot_credentials()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Basic, Ct);
        var digest = await PushAlpineLikeAsync(registry, "library/app", "1.4");
        await using var server = new ServerFactory(Settings(kit, workers: 1));
        using var harbor = await HarborClientAsync(server, "scanner");
        var robot = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryServer.Username}:{RegistryServer.Password}"));
        var id = await SubmitAsync(harbor, $$"""
            {
              "registry": {"url": "http://{{registry.Host}}", "authorization": "Basic {{robot}}"},
              "artifact": {"repository": "library/app", "digest": "{{digest}}", "tag": "1.4",
                           "mime_type": "application/vnd.docker.distribution.manifest.v2+json"},
              "enabled_capabilities": [
                {"type": "vulnerability", "produces_mime_types": ["{{VulnerabilityReport}}"]},
                {"type": "sbom", "produces_mime_types": ["{{SbomReport}}"],
                 "parameters": {"sbom_media_types": ["application/spdx+json", "application/vnd.cyclonedx+json"] } }
              ]
            }
            """);

        var (report, _) = await PollAsync(harbor, id, VulnerabilityReport);
        var vulnerabilities = report.GetProperty("vulnerabilities").EnumerateArray().ToList();
        var zlib = Assert.Single(vulnerabilities, v => v.GetProperty("id").GetString() == ScanKit.Cve);
        Assert.Equal("zlib", zlib.GetProperty("package").GetString());
        Assert.Equal("1.3-r0", zlib.GetProperty("version").GetString());
        Assert.Equal("1.3.1-r0", zlib.GetProperty("fix_version").GetString());
        Assert.Contains(zlib.GetProperty("severity").GetString(), new[] { "Unknown", "Negligible", "Low", "Medium", "High", "Critical" });
        foreach (var field in new[] { "links", "cwe_ids" })
        {
            Assert.Equal(JsonValueKind.Array, zlib.GetProperty(field).ValueKind);
        }

        Assert.Equal("apk", zlib.GetProperty("vendor_attributes").GetProperty("package_type").GetString());
        var artifact = report.GetProperty("artifact");
        Assert.Equal("library/app", artifact.GetProperty("repository").GetString());
        Assert.Equal(digest, artifact.GetProperty("digest").GetString());
        Assert.Equal("1.4", artifact.GetProperty("tag").GetString());
        Assert.Equal("Comb", report.GetProperty("scanner").GetProperty("name").GetString());
        Assert.True(report.GetProperty("generated_at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));

        // The same scan gives the SBOM in either format Harbor asks for; without the format it is a bad request.
        foreach (var (format, check) in new[] { ("application/spdx+json", "spdxVersion"), ("application/vnd.cyclonedx+json", "bomFormat") })
        {
            var (sbom, _) = await PollAsync(harbor, id, SbomReport, "?sbom_media_type=" + Uri.EscapeDataString(format));
            Assert.Equal(format, sbom.GetProperty("media_type").GetString());
            Assert.True(sbom.GetProperty("sbom").TryGetProperty(check, out _), format);
            Assert.Contains("zlib", sbom.GetProperty("sbom").ToString(), StringComparison.Ordinal);
        }

        await AssertErrorAsync(await GetReportAsync(harbor, id, SbomReport), HttpStatusCode.BadRequest, "sbom_media_type");
    }

    [Fact]
    public async Task Enabled_capabilities_choose_the_reports_a_request_is_answered_with()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous, Ct);
        var digest = await PushAlpineLikeAsync(registry, "library/narrow", "2.0");
        await using var server = new ServerFactory(Settings(kit, workers: 1));
        using var harbor = await HarborClientAsync(server, "scanner");
        string Body(string capabilities) => $$"""
            {"registry": {"url": "http://{{registry.Host}}"},
             "artifact": {"repository": "library/narrow", "digest": "{{digest}}", "tag": "2.0", "mime_type": "application/vnd.oci.image.manifest.v1+json"},
             "enabled_capabilities": {{capabilities}}}
            """;

        // Only the SPDX SBOM: that report is given, and neither the vulnerability report nor CycloneDX.
        var spdxOnly = await SubmitAsync(harbor, Body($$"""[{"type": "sbom", "produces_mime_types": ["{{SbomReport}}"], "parameters": {"sbom_media_types": ["application/spdx+json"] } }]"""));
        var (sbom, _) = await PollAsync(harbor, spdxOnly, SbomReport, "?sbom_media_type=" + Uri.EscapeDataString("application/spdx+json"));
        Assert.Contains("zlib", sbom.GetProperty("sbom").ToString(), StringComparison.Ordinal);
        await AssertErrorAsync(await GetReportAsync(harbor, spdxOnly, VulnerabilityReport), HttpStatusCode.BadRequest, "did not enable " + VulnerabilityReport);
        await AssertErrorAsync(await GetReportAsync(harbor, spdxOnly, SbomReport, "?sbom_media_type=" + Uri.EscapeDataString("application/vnd.cyclonedx+json")),
            HttpStatusCode.BadRequest, "as application/vnd.cyclonedx+json");

        // Only vulnerabilities, in the older media type Harbor before 2.11 asks for: no SBOM, and */* means that report.
        const string legacy = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0";
        var vulnerabilitiesOnly = await SubmitAsync(harbor, Body($$"""[{"type": "vulnerability", "produces_mime_types": ["{{legacy}}"]}]"""));
        Assert.NotEqual(spdxOnly, vulnerabilitiesOnly);
        var (report, _) = await PollAsync(harbor, vulnerabilitiesOnly, legacy);
        Assert.Contains(report.GetProperty("vulnerabilities").EnumerateArray(), v => v.GetProperty("id").GetString() == ScanKit.Cve);
        var any = await GetReportAsync(harbor, vulnerabilitiesOnly, "*/*");
        Assert.Equal(HttpStatusCode.OK, any.StatusCode);
        Assert.Equal(legacy, any.Content.Headers.ContentType!.ToString());
        await AssertErrorAsync(await GetReportAsync(harbor, vulnerabilitiesOnly, VulnerabilityReport), HttpStatusCode.BadRequest, "did not enable");
        await AssertErrorAsync(await GetReportAsync(harbor, vulnerabilitiesOnly, SbomReport, "?sbom_media_type=" + Uri.EscapeDataString("application/spdx+json")),
            HttpStatusCode.BadRequest, "did not enable " + SbomReport);

        // Without the field (Harbor before v1.2 of the spec) every report is enabled, as before.
        var everything = await SubmitAsync(harbor, Request(registry.Host, "library/narrow", digest));
        await PollAsync(harbor, everything, SbomReport, "?sbom_media_type=" + Uri.EscapeDataString("application/vnd.cyclonedx+json"));
        await PollAsync(harbor, everything, VulnerabilityReport);
    }

    [Fact]
    public async Task A_running_scan_answers_302_with_refresh_after_and_unknown_ids_404()
    {
        await using var server = new ServerFactory(Settings(kit, workers: 0));
        using var harbor = await HarborClientAsync(server, "scanner");
        var id = await SubmitAsync(harbor, Request(kit.Registry.Host, "waiting/app", "sha256:" + new string('a', 64)));
        var response = await GetReportAsync(harbor, id, VulnerabilityReport);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues("Refresh-After")));
        Assert.Null(response.Headers.Location);

        await AssertErrorAsync(await GetReportAsync(harbor, "no-such-scan", VulnerabilityReport), HttpStatusCode.NotFound, "no-such-scan");
        await AssertErrorAsync(await GetReportAsync(harbor, id + ".r99", VulnerabilityReport), HttpStatusCode.NotFound, id);
        await AssertErrorAsync(await GetReportAsync(harbor, id, "application/vnd.scanner.adapter.vuln.report.raw"), HttpStatusCode.BadRequest, "Accept");
    }

    [Fact]
    public async Task A_scan_that_fails_is_500_with_the_reason_in_harbors_error_envelope()
    {
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Basic, Ct);
        var digest = await PushAlpineLikeAsync(registry, "library/locked", "1.0");
        await using var server = new ServerFactory(Settings(kit, workers: 1));
        using var harbor = await HarborClientAsync(server, "scanner");
        var wrong = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryServer.Username}:not-the-password"));
        var id = await SubmitAsync(harbor, Request(registry.Host, "library/locked", digest, $"Basic {wrong}"));
        for (var i = 0; ; i++)
        {
            var response = await GetReportAsync(harbor, id, VulnerabilityReport);
            if (response.StatusCode != HttpStatusCode.Found)
            {
                await AssertErrorAsync(response, HttpStatusCode.InternalServerError, "unauthorized");
                break;
            }

            Assert.True(i < 300, "the scan did not finish");
            await Task.Delay(200, Ct);
        }
    }

    [Theory]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": """, 400, "malformed")]
    [InlineData("""{"registry": "http://r.example", "artifact": {}}""", 400, "malformed")]
    [InlineData("""{"artifact": {"repository": "a", "digest": "sha256:DIGEST"}}""", 422, "registry.url")]
    [InlineData("""{"registry": {"url": "ftp://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}}""", 422, "http(s)")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"digest": "sha256:DIGEST"}}""", 422, "artifact.repository")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a"}}""", 422, "artifact.digest")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:12"}}""", 422, "artifact.digest")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST", "mime_type": "application/vnd.oci.image.index.v1+json"}}""", 422, "mime_type")]
    [InlineData("""{"registry": {"url": "http://r.example", "authorization": "Digest abc"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}}""", 422, "authorization")]
    [InlineData("""{"registry": {"url": "http://r.example", "authorization": "Basic !!!"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}}""", 422, "base64")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": [{"type": "malware"}]}""", 422, "malware")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": []}""", 422, "enabled_capabilities is empty")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": [{"produces_mime_types": []}]}""", 422, "type is required")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": [{"type": "vulnerability", "produces_mime_types": ["application/vnd.scanner.adapter.vuln.report.raw"]}]}""", 422, "report.raw")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": [{"type": "sbom", "produces_mime_types": ["application/vnd.security.vulnerability.report; version=1.1"]}]}""", 422, "for sbom")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": [{"type": "sbom", "parameters": {"sbom_media_types": ["text/spdx"]}}]}""", 422, "text/spdx")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": [{"type": "sbom", "parameters": {"sbom_media_types": []}}]}""", 422, "sbom_media_types is empty")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": [{"type": "sbom", "parameters": {"sbom_media_types": "application/spdx+json"}}]}""", 400, "array of strings")]
    [InlineData("""{"registry": {"url": "http://r.example"}, "artifact": {"repository": "a", "digest": "sha256:DIGEST"}, "enabled_capabilities": {"type": "sbom"}}""", 400, "malformed")]
    public async Task A_bad_scan_request_is_400_or_422_in_harbors_error_envelope_and_queues_nothing(string body, int status, string reason)
    {
        await using var server = new ServerFactory(Settings(kit, workers: 0));
        using var harbor = await HarborClientAsync(server, "scanner");
        var response = await harbor.PostAsync("/harbor/api/v1/scan", Content(body.Replace("DIGEST", new string('b', 64), StringComparison.Ordinal)), Ct);
        await AssertErrorAsync(response, (HttpStatusCode)status, reason);
        Assert.Equal(0, (await harbor.GetFromJsonAsync<JsonElement>("/api/v1/scans", Ct)).GetProperty("items").GetArrayLength());
    }

    /// <summary>Harbor's own client (and adapters written for spec 1.0/1.1) label the request version 1.0.</summary>
    [Theory]
    [InlineData("application/vnd.scanner.adapter.scan.request+json; version=1.0")]
    [InlineData("application/vnd.scanner.adapter.scan.request+json; version=1.1")]
    [InlineData("application/vnd.scanner.adapter.scan.request+json")]
    [InlineData("application/json")]
    public async Task A_scan_request_is_accepted_with_every_content_type_harbor_sends(string contentType)
    {
        await using var server = new ServerFactory(Settings(kit, workers: 0));
        using var harbor = await HarborClientAsync(server, "scanner");
        var content = new StringContent(Request(kit.Registry.Host, "labelled/app", "sha256:" + new string('d', 64)), Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await harbor.PostAsync("/harbor/api/v1/scan", content, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{contentType}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
    }

    [Fact]
    public async Task Submitting_needs_the_scanner_or_admin_role()
    {
        await using var server = new ServerFactory(Settings(kit, workers: 0));
        using var viewer = await HarborClientAsync(server, "viewer");
        var request = Request(kit.Registry.Host, "a/b", "sha256:" + new string('c', 64));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync("/harbor/api/v1/scan", Content(request), Ct)).StatusCode);
        using var anonymous = server.CreateClient(NoRedirects);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/harbor/api/v1/scan", Content(request), Ct)).StatusCode);
        using var admin = await HarborClientAsync(server, "admin");
        await SubmitAsync(admin, request);
    }

    /// <summary>Like Harbor's Go client, the test client must see the 302 rather than follow it.</summary>
    private static readonly WebApplicationFactoryClientOptions NoRedirects = new() { AllowAutoRedirect = false };

    private static async Task<HttpClient> HarborClientAsync(ServerFactory server, string role)
    {
        var client = server.CreateClient(NoRedirects);
        var issued = await server.Services.GetRequiredService<ApiTokens>().CreateAsync(role, "harbor " + role, "test", CancellationToken.None);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued.Secret);
        return client;
    }

    private static string Request(string host, string repository, string digest, string? authorization = null) =>
        JsonSerializer.Serialize(new
        {
            registry = new { url = $"http://{host}", authorization },
            artifact = new { repository, digest, tag = "1.0", mime_type = "application/vnd.oci.image.manifest.v1+json" },
        });

    private static StringContent Content(string json)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(ScanRequestType);
        return content;
    }

    private static async Task<string> SubmitAsync(HttpClient harbor, string json)
    {
        var response = await harbor.PostAsync("/harbor/api/v1/scan", Content(json), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        Assert.Equal("application/vnd.scanner.adapter.scan.response+json; version=1.0", response.Content.Headers.ContentType!.ToString());
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<HttpResponseMessage> GetReportAsync(HttpClient harbor, string id, string accept, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/harbor/api/v1/scan/{id}/report{query}");
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await harbor.SendAsync(request, Ct);
    }

    /// <summary>Harbor's loop: ask, and on 302 wait the Refresh-After seconds before asking again, until 200.</summary>
    private static async Task<(JsonElement Report, int Waits)> PollAsync(HttpClient harbor, string id, string accept, string query = "")
    {
        for (var waits = 0; waits < 120; waits++)
        {
            var response = await GetReportAsync(harbor, id, accept, query);
            if (response.StatusCode == HttpStatusCode.Found)
            {
                var seconds = int.Parse(Assert.Single(response.Headers.GetValues("Refresh-After")), System.Globalization.CultureInfo.InvariantCulture);
                await Task.Delay(TimeSpan.FromSeconds(seconds), Ct);
                continue;
            }

            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
            Assert.Equal(accept, response.Content.Headers.ContentType!.ToString());
            return (JsonDocument.Parse(body).RootElement.Clone(), waits);
        }

        throw new TimeoutException($"scan {id} did not finish");
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(status == response.StatusCode, $"{response.StatusCode}: {body}");
        Assert.Equal(ErrorType, response.Content.Headers.ContentType!.ToString());
        var message = JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains(reason, message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The scan kit's Alpine-like image (zlib 1.3-r0, vulnerable to the kit's CVE), pushed with Docker media types.</summary>
    private static async Task<string> PushAlpineLikeAsync(RegistryServer registry, string repository, string tag)
    {
        using var client = registry.CreateClient();
        var image = new PushableImageBuilder().WithDockerMediaTypes()
            .WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"),
                ("lib/apk/db/installed", "P:zlib\nV:1.3-r0\nA:x86_64\no:zlib\n\n"))
            .Build();
        return await TestImagePusher.PushAsync(client, repository, tag, image, cancellationToken: Ct);
    }
}
