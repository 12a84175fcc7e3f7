using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Comb.Server;
using Comb.Server.Auth;
using Comb.Testing.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Bench;

/// <summary>
/// Registry scan-all (issue "Registries and CI", Benchmark): IMAGES images (default 300) in a real local registry,
/// sharing five bases, behind a counting loopback proxy; a Comb server (2 in-process workers, SQLite store) scans the
/// registry cold, again, and again after an advisory database update. Reports wall time, images per minute, blob
/// requests and bytes pulled, and what each pass did (queued, unchanged, re-matched).
/// </summary>
internal static class RegistryBenchmark
{
    private const int Bases = 5;

    public static async Task RunAsync(string work, string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 300;
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var push = Stopwatch.StartNew();
        using (var client = registry.CreateClient())
        {
            for (var i = 0; i < count; i++)
            {
                var image = Image(i);
                foreach (var layer in image.Layers)
                {
                    sizes[layer.Digest] = layer.Blob.Length;
                }

                sizes[image.ConfigDigest] = image.Config.Length;
                await TestImagePusher.PushAsync(client, $"bench/app{i % 30}", $"1.{i / 30}", image);
            }
        }

        Console.Error.WriteLine($"pushed {count} images in {push.Elapsed.TotalSeconds:0.0} s");
        await using var proxy = FaultInjectingProxy.Start(registry.Host, (_, _) => Task.FromResult(false));
        var cache = Path.Combine(work, "cache");
        await ImportAsync(work, cache, "CVE-2099-0001");
        var port = Comb.Testing.Services.ProcessRunner.FreePort();
        var url = $"http://127.0.0.1:{port}";
        await using var app = CombServer.Build(["--listen", url, "--cache-dir", cache, "--store", Path.Combine(work, "store.db"), "--workers", "2",
            "--Comb:PollSeconds=0.2", "--Comb:ScheduleCheckSeconds=3600"]);
        await app.StartAsync();
        var admin = await app.Services.GetRequiredService<ApiTokens>().CreateAsync(ServerRoles.Admin, "bench", "bench", CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri(url + "/"), Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.Secret);
        (await http.PostAsJsonAsync("api/v1/registries", new { name = "bench", url = $"http://{proxy.Host}" })).EnsureSuccessStatusCode();

        Console.WriteLine("| pass | images | wall time | images/min | queued | unchanged | re-matched | blob requests | bytes pulled |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        Console.WriteLine(await PassAsync("cold", http, proxy, sizes, count));
        Console.WriteLine(await PassAsync("again", http, proxy, sizes, count));
        await ImportAsync(work, cache, "CVE-2099-0002");
        Console.WriteLine(await PassAsync("after a DB update", http, proxy, sizes, count));
        await app.StopAsync();
    }

    private static async Task<string> PassAsync(string name, HttpClient http, FaultInjectingProxy proxy, Dictionary<string, long> sizes, int count)
    {
        proxy.Hits.Clear();
        var clock = Stopwatch.StartNew();
        var response = await http.PostAsync("api/v1/registries/bench/scan-all", null);
        var summary = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"scan-all answered {(int)response.StatusCode}: {summary}");
        }

        while ((await http.GetFromJsonAsync<JsonElement>("api/v1/registries/bench")).GetProperty("pending").GetInt32() > 0)
        {
            await Task.Delay(200);
        }

        var elapsed = clock.Elapsed;
        var blobs = proxy.Hits.Where(h => h.Key.Contains("/blobs/", StringComparison.Ordinal)).ToList();
        var bytes = blobs.Sum(h => sizes.GetValueOrDefault(h.Key[(h.Key.LastIndexOf('/') + 1)..]) * h.Value);
        var view = await http.GetFromJsonAsync<JsonElement>("api/v1/registries/bench");
        if (view.GetProperty("scanned").GetInt32() != count)
        {
            Console.Error.WriteLine($"{name}: {view.GetProperty("scanned").GetInt32()} of {count} scanned, {view.GetProperty("failed").GetInt32()} failed");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {count} | {elapsed.TotalSeconds:0.0} s | {count / elapsed.TotalMinutes:0} | {summary.GetProperty("queued").GetInt32()} | {summary.GetProperty("unchanged").GetInt32()} | {summary.GetProperty("rematched").GetInt32()} | {blobs.Sum(h => h.Value)} | {bytes / 1024.0 / 1024.0:0.0} MiB |");
    }

    private static PushableImage Image(int i)
    {
        var b = i % Bases;
        return new PushableImageBuilder()
            .WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.20.0\n"),
                ("lib/apk/db/installed", $"P:zlib\nV:1.3-r{b}\nA:x86_64\no:zlib\n\nP:busybox\nV:1.36.1-r{b}\nA:x86_64\no:busybox\n\n"))
            .WithLayer(($"usr/lib/base{b}/lib.txt", string.Concat(Enumerable.Repeat($"base {b} library code\n", 20_000))))
            .WithLayer(("srv/app/package.json", $"{{\"name\":\"app{i}\",\"version\":\"1.0.{i}\"}}"), ("srv/app/data.txt", string.Concat(Enumerable.Repeat($"app {i} data\n", 2_000))))
            .Build();
    }

    /// <summary>A small Alpine feed: zlib before 1.3.1-r0 is affected by <paramref name="cve"/> (a new CVE is a database update).</summary>
    private static async Task ImportAsync(string work, string cache, string cve)
    {
        var feeds = Path.Combine(work, "feeds-" + cve);
        Directory.CreateDirectory(Path.Combine(feeds, "alpine-secdb", "v3.20"));
        await File.WriteAllTextAsync(Path.Combine(feeds, "alpine-secdb", "v3.20", "main.json"),
            """{"distroversion": "v3.20", "reponame": "main", "packages": [{"pkg": {"name": "zlib", "secfixes": {"1.3.1-r0": ["CVE"]}}}]}""".Replace("CVE", cve, StringComparison.Ordinal));
        using var output = new StringWriter();
        if (await Cli.CombApp.RunAsync(["db", "import", feeds, "--cache-dir", cache], output, output) != 0)
        {
            throw new InvalidOperationException("advisory import failed: " + output);
        }

        await Task.Delay(1100); // the database's version label has one-second resolution
    }
}
