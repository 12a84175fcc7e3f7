using System.Diagnostics;
using System.Globalization;
using Comb.Jobs;
using Comb.Server.Scans;
using Comb.Testing.Registry;
using Comb.Testing.Services;

namespace Comb.Bench;

/// <summary>
/// Worker fleet (issue "Comb server", Benchmark): IMAGES images in a real local registry, built here, sharing base layers
/// (five bases of three layers, one application layer of their own), queued on a real PostgreSQL and scanned by 1 and
/// then 2 `comb worker` processes (2 slots each) with one shared layer cache. Reports images per minute, the layer
/// cache hit ratio (layers read from the cache over layers scanned) and each worker's peak resident memory.
/// </summary>
internal static class WorkerFleetBenchmark
{
    private const int Bases = 5;

    public static async Task RunAsync(string work, string[] args)
    {
        var images = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var feeds = Path.Combine(Environment.GetEnvironmentVariable("COMB_SHARED_DATA") ?? Path.Combine("..", "shared", "data"), "vulndb", "alpine-secdb");
        if (!Directory.Exists(feeds))
        {
            throw new InvalidOperationException($"advisory feeds not found at {feeds} (set COMB_SHARED_DATA)");
        }

        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous);
        var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        try
        {
            var push = Stopwatch.StartNew();
            var references = await PushAsync(registry, images);
            Console.Error.WriteLine($"pushed {images} images in {push.Elapsed.TotalSeconds:0.0} s");

            var feedDir = Path.Combine(work, "feeds");
            Directory.CreateDirectory(feedDir);
            Directory.CreateSymbolicLink(Path.Combine(feedDir, "alpine-secdb"), Path.GetFullPath(feeds));
            var db = Path.Combine(work, "db-cache");
            using (var output = new StringWriter())
            {
                if (await Cli.CombApp.RunAsync(["db", "import", feedDir, "--cache-dir", db], output, output) != 0)
                {
                    throw new InvalidOperationException("advisory import failed: " + output);
                }
            }

            Console.WriteLine($"| workers (2 slots each) | images | layers scanned | layers analysed | cache hit ratio | wall time | images/min | peak RSS per worker |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
            foreach (var workers in new[] { 1, 2 })
            {
                var cache = Path.Combine(work, $"cache-{workers}");
                Directory.CreateDirectory(Path.Combine(cache, "db"));
                File.Copy(Path.Combine(db, "db", "comb.db"), Path.Combine(cache, "db", "comb.db"));
                Console.WriteLine(await RunFleetAsync(postgres.NewDatabaseUrl(), cache, references, workers));
            }
        }
        finally
        {
            await postgres.DisposeAsync();
        }
    }

    private static async Task<string> RunFleetAsync(string store, string cache, IReadOnlyList<string> references, int workers)
    {
        await using var queue = await JobQueue.OpenAsync(store, new JobQueueOptions { MaxDepth = 0 }, CancellationToken.None);
        foreach (var reference in references)
        {
            var job = new ScanJob(new ScanRequest { Image = reference, InsecureRegistry = true, Scanners = ["vuln", "secret", "config"] });
            await queue.EnqueueAsync(new JobRequest(ScanJob.Kind, job.ToJson(), ScanRequests.DedupeKey(job, null)), CancellationToken.None);
        }

        var clock = Stopwatch.StartNew();
        var processes = Enumerable.Range(0, workers).Select(_ => StartWorker(store, cache)).ToList();
        var peaks = new long[workers];
        try
        {
            while (true)
            {
                for (var i = 0; i < workers; i++)
                {
                    peaks[i] = Math.Max(peaks[i], PeakRssBytes(processes[i]));
                }

                var counts = await queue.CountByStateAsync(CancellationToken.None);
                if (counts[JobState.Queued] + counts[JobState.Running] == 0)
                {
                    break;
                }

                await Task.Delay(250);
            }
        }
        finally
        {
            foreach (var process in processes)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                process.Dispose();
            }
        }

        var elapsed = clock.Elapsed;
        var failed = (await queue.CountByStateAsync(CancellationToken.None))[JobState.Failed];
        var scanned = references.Count * 4L;
        var analysed = Directory.EnumerateFiles(Path.Combine(cache, "layers"), "*.json.gz", SearchOption.AllDirectories).Count();
        return string.Create(CultureInfo.InvariantCulture,
            $"| {workers} | {references.Count}{(failed > 0 ? $" ({failed} failed)" : "")} | {scanned} | {analysed} | {1 - (double)analysed / scanned:P1} | {elapsed.TotalSeconds:0.0} s | " +
            $"{references.Count / elapsed.TotalMinutes:0} | {string.Join(", ", peaks.Select(p => $"{p / (1024 * 1024)} MiB"))} |");
    }

    private static Process StartWorker(string store, string cache)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(dotnet, [Path.Combine(AppContext.BaseDirectory, "comb.dll"), "worker", "--store", store, "--cache-dir", cache, "--workers", "2"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Comb__PollSeconds"] = "0.2";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>VmHWM: the most resident memory the process has had.</summary>
    private static long PeakRssBytes(Process process)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Base b: Alpine 3.11 with real package versions, a library layer and a runtime layer; then an application layer per image.</summary>
    private static async Task<List<string>> PushAsync(RegistryServer registry, int images)
    {
        using var client = registry.CreateClient();
        var references = new List<string>();
        for (var i = 0; i < images; i++)
        {
            var b = i % Bases;
            var image = new PushableImageBuilder()
                .WithLayer(("etc/os-release", "ID=alpine\nVERSION_ID=3.11.6\n"),
                    ("lib/apk/db/installed", $"P:zlib\nV:1.2.11-r{b}\nA:x86_64\no:zlib\n\nP:busybox\nV:1.31.1-r9\nA:x86_64\no:busybox\n\nP:openssl\nV:1.1.1d-r{b}\nA:x86_64\no:openssl\n\nP:musl\nV:1.1.24-r{b}\nA:x86_64\no:musl\n\n"))
                .WithLayer(($"usr/lib/base{b}/lib.txt", string.Concat(Enumerable.Repeat($"base {b} library code\n", 20_000))))
                .WithLayer(($"opt/runtime{b}/runtime.conf", $"runtime {b}\n"), ($"opt/runtime{b}/data.txt", string.Concat(Enumerable.Repeat($"runtime {b} data\n", 10_000))))
                .WithLayer(("srv/app/package.json", $"{{\"name\":\"app{i}\",\"version\":\"1.0.{i}\"}}"), ("srv/app/.env", $"API_TOKEN=value-{i}\n"))
                .Build();
            await TestImagePusher.PushAsync(client, $"fleet/app{i}", "1.0", image);
            references.Add($"{registry.Host}/fleet/app{i}:1.0");
        }

        return references;
    }
}
