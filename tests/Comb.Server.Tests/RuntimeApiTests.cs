using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Server.History;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests;

/// <summary>GET /api/v1/runtime/containers over rounds recorded in the server's own store, as `comb runtime watch --store` records them.</summary>
public sealed class RuntimeApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lists_running_containers_with_their_drift_for_every_role_and_stopped_ones_on_request()
    {
        await using var server = new ServerFactory();
        using var viewer = await server.ClientAsync("viewer");
        var store = await server.Services.GetRequiredService<ServerStore>().OpenAsync(Ct);
        const string Source = "node1:containerd:/run/containerd/containerd.sock";
        var t0 = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        Storage.RuntimeContainerRecord Record(string id, bool drifted) => new()
        {
            Source = Source, Runtime = "containerd", Namespace = "k8s.io", ContainerId = id, Name = id, Image = "registry.example/web:1",
            ImageDigest = "sha256:" + new string('b', 64), Drifted = drifted, DriftFiles = drifted ? 1 : 0, DriftDigest = drifted ? "sha256:d" : null,
            Severity = drifted ? "CRITICAL" : "LOW", MutableImageReference = true,
            ReportJson = drifted ? """{"drift":[{"path":"/var/www/html/shell.php","change":"added"}]}""" : """{"drift":[]}""",
        };
        await store.RecordRuntimeRoundAsync(Source, t0, [Record("web", false), Record("job", false)], 1, Ct);
        await store.RecordRuntimeRoundAsync(Source, t0.AddMinutes(1), [Record("web", true)], 0, Ct);

        var running = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/runtime/containers", Ct);
        var web = Assert.Single(running.EnumerateArray());
        Assert.Equal("web", web.GetProperty("id").GetString());
        Assert.True(web.GetProperty("drifted").GetBoolean());
        Assert.Equal(t0.AddMinutes(1), web.GetProperty("driftSince").GetDateTimeOffset());
        Assert.Equal("k8s.io", web.GetProperty("namespace").GetString());
        Assert.Equal("/var/www/html/shell.php", web.GetProperty("report").GetProperty("drift")[0].GetProperty("path").GetString());

        var all = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/runtime/containers?all=true", Ct);
        Assert.Equal(["job", "web"], all.EnumerateArray().Select(c => c.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        Assert.False(all.EnumerateArray().Single(c => c.GetProperty("id").GetString() == "job").GetProperty("running").GetBoolean());
        Assert.Empty((await viewer.GetFromJsonAsync<JsonElement>("/api/v1/runtime/containers?drifted=false", Ct)).EnumerateArray());

        foreach (var role in new[] { "scanner", "admin" })
        {
            using var client = await server.ClientAsync(role);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/runtime/containers", Ct)).StatusCode);
        }

        using var anonymous = await server.ClientAsync(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/runtime/containers", Ct)).StatusCode);
    }
}
