using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Testing.Registry;

namespace Comb.Server.Tests;

/// <summary>Cancelling a scan while a worker runs it: the worker stops it within a heartbeat and leaves nothing behind.</summary>
public sealed class CancelRunningScanTests(ScanKit kit) : IClassFixture<ScanKit>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_running_scan_cancelled_mid_layer_ends_cancelled_with_nothing_left_in_the_cache_tmp()
    {
        // A layer with a file too big to hold in memory (the walker spools it to the cache's tmp), served half-way and then
        // held by a proxy: the scan is running, in the middle of that file, when it is cancelled.
        var big = string.Concat(Enumerable.Repeat("filler text that a layer walker has to spool 0123456789\n", 400_000));
        var image = new PushableImageBuilder()
            .WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"))
            .WithLayer(("opt/big/data.txt", big))
            .Build();
        using (var client = kit.Registry.CreateClient())
        {
            await TestImagePusher.PushAsync(client, "cancel/app", "1.0", image, cancellationToken: Ct);
        }

        var held = image.Layers[1].Digest;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var upstream = new HttpClient();
        await using var proxy = FaultInjectingProxy.Start(kit.Registry.Host, async (context, _) =>
        {
            if (context.Request.HttpMethod != "GET" || !context.Request.Url!.AbsolutePath.EndsWith("/blobs/" + held, StringComparison.Ordinal))
            {
                return false;
            }

            var blob = await upstream.GetByteArrayAsync($"http://{kit.Registry.Host}{context.Request.Url.AbsolutePath}");
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength64 = blob.Length;
            await context.Response.OutputStream.WriteAsync(blob.AsMemory(0, blob.Length / 2));
            await context.Response.OutputStream.FlushAsync();
            reached.TrySetResult();
            await release.Task.WaitAsync(TimeSpan.FromMinutes(3));
            context.Response.Abort();
            return true;
        });

        try
        {
            await using var server = new ServerFactory(kit.Settings(workers: 1));
            using var scanner = await server.ClientAsync("scanner");
            var id = await ScanApiTests.SubmitAsync(scanner, new { image = $"{proxy.Host}/cancel/app:1.0", insecureRegistry = true });
            await reached.Task.WaitAsync(TimeSpan.FromMinutes(2), Ct);
            var running = await scanner.GetFromJsonAsync<JsonElement>($"/api/v1/scans/{id}", Ct);
            Assert.Equal("running", running.GetProperty("status").GetString());

            var cancel = await scanner.PostAsync($"/api/v1/scans/{id}/cancel", null, Ct);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.True((await cancel.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("cancelRequested").GetBoolean());

            var status = await ScanKit.WaitAsync(scanner, id, Ct);
            Assert.True(status.GetProperty("status").GetString() == "cancelled", status.GetRawText());
            Assert.Equal(JsonValueKind.Null, status.GetProperty("scanId").ValueKind);
            Assert.Equal(HttpStatusCode.Conflict, (await scanner.GetAsync($"/api/v1/scans/{id}/report", Ct)).StatusCode);

            var tmp = Path.Combine(kit.CacheDir, "tmp");
            Assert.True(!Directory.Exists(tmp) || !Directory.EnumerateFileSystemEntries(tmp).Any(),
                "left in the cache tmp: " + string.Join(", ", Directory.Exists(tmp) ? Directory.EnumerateFileSystemEntries(tmp) : []));

            using var anonymous = await server.ClientAsync(null);
            var m = MetricsAndOpenApiTests.Parse(await anonymous.GetStringAsync("/metrics", Ct)).Samples;
            Assert.Equal(1, m["comb_scan_duration_seconds_count{status=\"cancelled\"}"]);
            Assert.Equal(1, m["comb_scan_jobs{state=\"cancelled\"}"]);
        }
        finally
        {
            release.TrySetResult();
        }
    }
}
