using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Comb.Jobs;
using Comb.Server.Scans;
using Comb.Storage;
using Comb.Testing.Registry;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests.Admission;

/// <summary>
/// The webhook as the API server uses it: AdmissionReview requests over TLS (the client trusts only the generated CA),
/// images in a real registry resolved to their digests, scanned on demand and judged by the policy and trust policy.
/// </summary>
public sealed class AdmissionWebhookTests(AdmissionKit kit) : IClassFixture<AdmissionKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pod_from_an_untrusted_registry_is_denied_with_a_message_naming_the_image_and_the_rule()
    {
        await using var server = await kit.StartAsync();
        using var client = server.Client();
        var (status, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-untrusted", Reviews.Pod(kit.Untrusted)), cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        var response = Reviews.Response(body, "uid-untrusted");
        Assert.False(response.GetProperty("allowed").GetBoolean());
        var denial = response.GetProperty("status");
        Assert.Equal(403, denial.GetProperty("code").GetInt32());
        var message = denial.GetProperty("message").GetString()!;
        Assert.Contains($"image {kit.Untrusted} ({kit.Digests[kit.Untrusted]})", message, StringComparison.Ordinal);
        Assert.Contains("policy rule block-untrusted", message, StringComparison.Ordinal);
        Assert.Contains("matches none of the trusted patterns", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_pod_with_a_trusted_signed_clean_image_is_allowed_without_warnings_and_an_unsigned_one_is_denied()
    {
        await using var server = await kit.StartAsync();
        using var client = server.Client();
        var (status, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-clean", Reviews.Pod(kit.Clean)), cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        var response = Reviews.Response(body, "uid-clean");
        Assert.True(response.GetProperty("allowed").GetBoolean());
        Assert.False(response.TryGetProperty("status", out _));
        Assert.Empty(Reviews.Warnings(response));

        (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-unsigned", Reviews.Pod(kit.Unsigned)), cancellationToken: Ct);
        response = Reviews.Response(body, "uid-unsigned");
        Assert.False(response.GetProperty("allowed").GetBoolean());
        var message = response.GetProperty("status").GetProperty("message").GetString()!;
        Assert.Contains($"image {kit.Unsigned}", message, StringComparison.Ordinal);
        Assert.Contains("policy rule block-untrusted", message, StringComparison.Ordinal);
        Assert.Contains("signature missing", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_workload_kind_is_judged_by_its_pod_template()
    {
        await using var server = await kit.StartAsync();
        using var client = server.Client();
        foreach (var (group, kind, resource, obj) in Reviews.Workloads(kit.WithSecret))
        {
            var uid = "uid-secret-" + kind;
            var (status, body) = await Reviews.SendAsync(client, Reviews.Json(uid, group, kind, resource, obj), cancellationToken: Ct);
            Assert.Equal(HttpStatusCode.OK, status);
            var response = Reviews.Response(body, uid);
            Assert.False(response.GetProperty("allowed").GetBoolean(), kind);
            var message = response.GetProperty("status").GetProperty("message").GetString()!;
            Assert.Contains($"image {kit.WithSecret}", message, StringComparison.Ordinal);
            Assert.Contains("policy rule block-secrets", message, StringComparison.Ordinal);
        }

        foreach (var (group, kind, resource, obj) in Reviews.Workloads(kit.Clean))
        {
            var uid = "uid-clean-" + kind;
            var (_, body) = await Reviews.SendAsync(client, Reviews.Json(uid, group, kind, resource, obj), cancellationToken: Ct);
            Assert.True(Reviews.Response(body, uid).GetProperty("allowed").GetBoolean(), kind);
        }
    }

    [Fact]
    public async Task Init_and_ephemeral_containers_are_judged_too()
    {
        await using var server = await kit.StartAsync();
        using var client = server.Client();
        var (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-init", Reviews.Pod(kit.Clean, init: kit.Untrusted)), cancellationToken: Ct);
        var response = Reviews.Response(body, "uid-init");
        Assert.False(response.GetProperty("allowed").GetBoolean());
        Assert.Contains($"image {kit.Untrusted}", response.GetProperty("status").GetProperty("message").GetString()!, StringComparison.Ordinal);

        // kubectl debug: an UPDATE of the pods/ephemeralcontainers subresource carrying the whole Pod.
        var pod = Reviews.Pod(kit.Clean);
        pod.Spec.EphemeralContainers = [new V1EphemeralContainer { Name = "debugger", Image = kit.WithSecret }];
        var json = Reviews.Json("uid-ephemeral", "", "Pod", "pods", pod, operation: "UPDATE", subResource: "ephemeralcontainers");
        (_, body) = await Reviews.SendAsync(client, json, cancellationToken: Ct);
        response = Reviews.Response(body, "uid-ephemeral");
        Assert.False(response.GetProperty("allowed").GetBoolean());
        var message = response.GetProperty("status").GetProperty("message").GetString()!;
        Assert.Contains($"image {kit.WithSecret}", message, StringComparison.Ordinal);
        Assert.Contains("block-secrets", message, StringComparison.Ordinal);
        Assert.DoesNotContain(kit.Clean, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warn_rules_come_back_as_warnings_of_an_allowed_review()
    {
        await using var server = await kit.StartAsync();
        using var client = server.Client();
        var (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-warn", Reviews.Pod(kit.Vulnerable)), cancellationToken: Ct);
        var response = Reviews.Response(body, "uid-warn");
        Assert.True(response.GetProperty("allowed").GetBoolean());
        var warning = Assert.Single(Reviews.Warnings(response));
        Assert.StartsWith($"image {kit.Vulnerable}: policy rule warn-vulnerable (warn)", warning, StringComparison.Ordinal);
        Assert.Contains(ScanKit.Cve, warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decisions_are_audited_with_who_where_what_and_why_cached_and_read_through_the_api()
    {
        await using var server = await kit.StartAsync();
        using var client = server.Client();
        await Reviews.SendAsync(client, Reviews.PodJson("uid-audit-1", Reviews.Pod(kit.Clean, init: kit.WithSecret)), cancellationToken: Ct);
        await Reviews.SendAsync(client, Reviews.PodJson("uid-audit-2", Reviews.Pod(kit.Clean)), cancellationToken: Ct);

        using var viewer = await server.ApiClientAsync("viewer");
        var entries = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/admission/decisions?namespace=shop", Ct);
        var list = entries.EnumerateArray().ToList();
        Assert.Equal(3, list.Count);
        var denied = Assert.Single(list, e => !e.GetProperty("allowed").GetBoolean());
        Assert.Equal("uid-audit-1", denied.GetProperty("uid").GetString());
        Assert.Equal("alice@example.com", denied.GetProperty("user").GetString());
        Assert.Equal("Pod", denied.GetProperty("kind").GetString());
        Assert.Equal("initContainers[0] (setup)", denied.GetProperty("container").GetString());
        Assert.Equal(kit.WithSecret, denied.GetProperty("image").GetString());
        Assert.Equal(kit.Digests[kit.WithSecret], denied.GetProperty("digest").GetString());
        Assert.Equal("denied", denied.GetProperty("outcome").GetString());
        Assert.Contains("block-secrets", denied.GetProperty("reasons")[0].GetString()!, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(denied.GetProperty("scanId").GetString()));

        // The second review of the clean image is answered from the decision cache.
        var clean = list.Where(e => e.GetProperty("image").GetString() == kit.Clean).OrderBy(e => e.GetProperty("id").GetString(), StringComparer.Ordinal).ToList();
        Assert.Equal([false, true], clean.Select(e => e.GetProperty("cached").GetBoolean()));
        Assert.All(clean, e => Assert.Equal(kit.Digests[kit.Clean], e.GetProperty("digest").GetString()));

        // The on-demand scans are in the store, by digest, recorded as admission's.
        await using var store = await ScanStore.OpenAsync(server.Store, Ct);
        var scans = await store.ListAsync(new HistoryQuery { Image = kit.Digests[kit.Clean], Limit = 10 }, Ct);
        Assert.Equal("admission", Assert.Single(scans).Trigger);

        using var anonymous = server.Client();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/admission/decisions", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/v1/admission/decisions?limit=0", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_dry_run_of_an_unscanned_image_is_judged_on_its_trust_rules_with_a_warning_and_starts_no_scan_and_writes_nothing()
    {
        var os = ("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n");
        var unsigned = await kit.PushAsync($"{kit.Registry.Host}/trusted/dry-{Guid.NewGuid():N}:1.0", new PushableImageBuilder().WithLayer(os, ("app/a.txt", Guid.NewGuid().ToString())));
        var signed = await kit.PushAsync($"{kit.Registry.Host}/trusted/dry-{Guid.NewGuid():N}:1.0", new PushableImageBuilder().WithLayer(os, ("app/b.txt", Guid.NewGuid().ToString())));
        var untrusted = await kit.PushAsync($"{kit.Registry.Host}/elsewhere/dry-{Guid.NewGuid():N}:1.0", new PushableImageBuilder().WithLayer(os, ("app/c.txt", Guid.NewGuid().ToString())));
        using (var output = new StringWriter())
        {
            Assert.True(await Comb.Cli.CombApp.RunAsync(["sign", "--key", kit.SigningKeyFile, "--insecure-registry", signed], output, output) == 0, output.ToString());
        }

        await using var server = await kit.StartAsync();
        using var client = server.Client();

        // Trusted and signed: allowed, with a warning that only its trust rules were known.
        var (status, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-dry-signed", Reviews.Pod(signed), dryRun: true), cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        var response = Reviews.Response(body, "uid-dry-signed");
        Assert.True(response.GetProperty("allowed").GetBoolean());
        var warning = Assert.Single(Reviews.Warnings(response));
        Assert.Equal($"image {signed} ({kit.Digests[signed]}) has not been scanned and a dry run starts no scan: judged on its trust rules only (registry, base image, signature); "
            + "its vulnerabilities, secrets, malware and misconfigurations are not known yet", warning);

        // Unsigned, and from an untrusted repository: denied by the trust rule, named; still with the warning.
        foreach (var (uid, image, why) in new[] { ("uid-dry-unsigned", unsigned, "signature missing"), ("uid-dry-untrusted", untrusted, "matches none of the trusted patterns") })
        {
            (status, body) = await Reviews.SendAsync(client, Reviews.PodJson(uid, Reviews.Pod(image), dryRun: true), cancellationToken: Ct);
            response = Reviews.Response(body, uid);
            Assert.False(response.GetProperty("allowed").GetBoolean());
            var message = response.GetProperty("status").GetProperty("message").GetString()!;
            Assert.StartsWith($"image {image} ({kit.Digests[image]}) is denied by policy rule block-untrusted:", message, StringComparison.Ordinal);
            Assert.Contains(why, message, StringComparison.Ordinal);
            Assert.DoesNotContain("failure policy", message, StringComparison.Ordinal);
            Assert.Contains(Reviews.Warnings(response), w => w.Contains("has not been scanned and a dry run starts no scan", StringComparison.Ordinal));
        }

        // No side effects: no scan queued or stored, no decision audited or cached.
        var jobs = await server.App.Services.GetRequiredService<ScanQueue>().GetAsync(Ct);
        Assert.All(await jobs.CountByStateAsync(Ct), c => Assert.Equal(0, c.Value));
        await using var store = await ScanStore.OpenAsync(server.Store, Ct);
        Assert.Empty(await store.ListAsync(new HistoryQuery { Limit = 10 }, Ct));
        using var viewer = await server.ApiClientAsync("viewer");
        Assert.Empty((await viewer.GetFromJsonAsync<JsonElement>("/api/v1/admission/decisions", Ct)).EnumerateArray());

        // The same image for real is scanned, judged in full and audited; a dry run of a scanned image is judged as usual, and leaves no trace.
        (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-real", Reviews.Pod(signed)), cancellationToken: Ct);
        response = Reviews.Response(body, "uid-real");
        Assert.True(response.GetProperty("allowed").GetBoolean());
        Assert.Empty(Reviews.Warnings(response));
        await Reviews.SendAsync(client, Reviews.PodJson("uid-real-2", Reviews.Pod(kit.WithSecret)), cancellationToken: Ct);
        (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-dry-2", Reviews.Pod(kit.WithSecret), dryRun: true), cancellationToken: Ct);
        Assert.Contains("block-secrets", Reviews.Response(body, "uid-dry-2").GetProperty("status").GetProperty("message").GetString()!, StringComparison.Ordinal);
        var audited = (await viewer.GetFromJsonAsync<JsonElement>("/api/v1/admission/decisions", Ct)).EnumerateArray().Select(e => e.GetProperty("uid").GetString()).ToList();
        Assert.Equal(["uid-real-2", "uid-real"], audited);
    }

    [Fact]
    public async Task Excluded_namespaces_are_allowed_without_judging()
    {
        await using var server = await kit.StartAsync(excluded: "kube-system");
        using var client = server.Client();
        var (_, body) = await Reviews.SendAsync(client, Reviews.PodJson("uid-excluded", Reviews.Pod(kit.Untrusted), ns: "kube-system"), cancellationToken: Ct);
        var response = Reviews.Response(body, "uid-excluded");
        Assert.True(response.GetProperty("allowed").GetBoolean());

        using var viewer = await server.ApiClientAsync("viewer");
        var entry = Assert.Single((await viewer.GetFromJsonAsync<JsonElement>("/api/v1/admission/decisions?namespace=kube-system", Ct)).EnumerateArray());
        Assert.Contains("namespace kube-system is excluded", entry.GetProperty("reasons")[0].GetString()!, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("digest").ValueKind);
    }

    [Fact]
    public async Task A_review_over_the_time_budget_is_answered_by_the_failure_policy_before_the_timeout()
    {
        // No workers: a scan queued for an unscanned image never finishes, so only the budget can end the review.
        var slow = await kit.PushAsync($"{kit.Registry.Host}/trusted/slow-{Guid.NewGuid():N}:1.0", new PushableImageBuilder().WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n")));
        foreach (var policy in new[] { "Ignore", "Fail" })
        {
            await using var server = await kit.StartAsync(policy, workers: 0, marginSeconds: 0.5);
            using var client = server.Client();
            var uid = "uid-slow-" + policy;

            // The API server keeps its connection to the webhook: the handshake is not part of a review.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", Ct)).StatusCode);
            var watch = Stopwatch.StartNew();
            var (status, body) = await Reviews.SendAsync(client, Reviews.PodJson(uid, Reviews.Pod(slow)), timeout: "2s", cancellationToken: Ct);
            watch.Stop();

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"answered after {watch.Elapsed}, past the API server's 2 s timeout");
            var response = Reviews.Response(body, uid);
            if (policy == "Ignore")
            {
                Assert.True(response.GetProperty("allowed").GetBoolean());
                var warning = Assert.Single(Reviews.Warnings(response));
                Assert.Matches($@"^image {System.Text.RegularExpressions.Regex.Escape(slow)} was not decided within the 1(\.\d)? s budget", warning);
                Assert.EndsWith("allowed because the failure policy is Ignore", warning, StringComparison.Ordinal);
            }
            else
            {
                Assert.False(response.GetProperty("allowed").GetBoolean());
                Assert.EndsWith("denied because the failure policy is Fail", response.GetProperty("status").GetProperty("message").GetString()!, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_malformed_review_is_a_400()
    {
        await using var server = await kit.StartAsync();
        using var client = server.Client();
        var good = Reviews.PodJson("uid-bad", Reviews.Pod(kit.Clean));
        var badObject = System.Text.Json.Nodes.JsonNode.Parse(good)!;
        badObject["request"]!["object"]!["spec"]!["containers"] = "not a list";
        foreach (var body in new[]
        {
            "{not json",
            good.Replace("admission.k8s.io/v1", "admission.k8s.io/v1beta1", StringComparison.Ordinal),
            good.Replace("\"uid\":\"uid-bad\"", "\"uid\":\"\"", StringComparison.Ordinal),
            """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""",
            badObject.ToJsonString(),
        })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await client.PostAsync("/admission/v1/validate", content, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode} for {body}");
        }
    }
}
