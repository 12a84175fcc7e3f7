using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;
using Comb.Server;
using Comb.Server.Auth;
using Comb.Storage;
using Comb.Testing.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Bench;

/// <summary>
/// The console's pages on a store of SCANS stored scans (default 10,000: 1,000 images scanned 10 times each over 30
/// days, each with 60 packages and 12 vulnerabilities drawn from 400 CVEs), rendered by the real server on a loopback
/// port: the median server time of each page, measured as the request's wall time from a client on the same machine.
/// </summary>
internal static class ConsoleBenchmark
{
    private const int ScansPerImage = 10;

    public static async Task RunAsync(string work, string[] args)
    {
        var scans = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var backends = args.Length > 1 ? args[1].Split(',') : ["sqlite", "postgres"];
        foreach (var backend in backends)
        {
            PostgresServer? server = null;
            try
            {
                string store;
                if (backend == "postgres")
                {
                    server = new PostgresServer();
                    await server.InitializeAsync();
                    store = server.NewDatabaseUrl();
                }
                else if (backend.StartsWith("postgres://", StringComparison.Ordinal))
                {
                    store = backend; // a database kept after the run, to read its query plans
                }
                else
                {
                    store = Path.Combine(work, "console.db");
                }

                await MeasureAsync(work, store, backend.StartsWith("postgres", StringComparison.Ordinal) ? "PostgreSQL" : "SQLite", scans);
            }
            catch (Exception ex) when (ex.GetType().Name == "SkipException")
            {
                Console.WriteLine($"{backend}: not measured: {ex.Message}");
            }
            finally
            {
                if (server is not null)
                {
                    await server.DisposeAsync();
                }
            }
        }
    }

    private static async Task MeasureAsync(string work, string store, string label, int scans)
    {
        var images = Math.Max(1, scans / ScansPerImage);
        var sw = Stopwatch.StartNew();
        await using (var scanStore = await ScanStore.OpenAsync(store, CancellationToken.None))
        {
            var random = new Random(42);
            for (var round = 0; round < ScansPerImage; round++)
            {
                for (var i = 0; i < images; i++)
                {
                    await scanStore.RecordAsync(Report(i, round, random), CancellationToken.None);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"console, {label}: {images * ScansPerImage:N0} stored scans of {images:N0} images, filled in {sw.Elapsed.TotalSeconds:F1} s");
        var cache = Path.Combine(work, "cache-" + label);
        await using var app = CombServer.Build(["--store", store, "--cache-dir", cache, "--listen", "http://127.0.0.1:0", "--workers", "0"]);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var token = await app.Services.GetRequiredService<ApiTokens>().CreateAsync(ServerRoles.Admin, "bench", "bench", CancellationToken.None);
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Secret);
            var digest = Uri.EscapeDataString(Digest("image", 7));
            await ConsoleViewsSeed.SeedAsync(app.Services, images, CancellationToken.None);
            Console.WriteLine($"load average at start: {LoadAverage()}");
            Console.WriteLine();
            Console.WriteLine("| page | median | slowest of 7 | CPU per request | bytes |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            string[] tabs = ["summary", "layers", "vulnerabilities", "secrets", "malware", "misconfigurations", "trust", "sbom", "reports", "history"];
            string[] pages =
            [
                "/", "/images", "/images?sort=risk", "/images?sort=scanned", "/images?severity=CRITICAL&fix=1&verdict=block", "/images?secrets=1", "/images?repository=team7%2Fapp7",
                "/images?tag=1.9&after=2000-01-01", "/images?q=CVE-2099-0007", "/images?q=pkg-12%401.0.3", "/images?q=pkg-12", "/images?q=sha256%3A85b7", "/images?offset=900",
                .. tabs.Select(t => $"/images/{digest}?tab={t}"), "/vulnerabilities/CVE-2099-0007", "/vulnerabilities/pkg-12", "/vulnerabilities/pkg-12%401.0.3",
                "/scans", "/policies", $"/policies/{ConsoleViewsSeed.Policy}", "/exceptions", "/vex", "/audit", "/tokens",
                "/registries", $"/registries/{ConsoleViewsSeed.Registry}", $"/registries/{ConsoleViewsSeed.Registry}?offset=900", "/runtime", "/runtime?view=all",
                "/admission", "/admission?decision=denied&namespace=ns7", "/admission?offset=5000",
            ];
            foreach (var page in pages)
            {
                Console.WriteLine(await TimeAsync(client, page));
            }

            // The policy editor's preview (a form post) evaluates the edited policy against stored images.
            Console.WriteLine(await TimePostAsync(client, $"/policies/{ConsoleViewsSeed.Policy}", ConsoleViewsSeed.PolicyYaml));
            Console.WriteLine();
            Console.WriteLine($"load average at end: {LoadAverage()}");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    /// <summary>The 1, 5 and 15 minute load averages, as the figures' context on a shared machine.</summary>
    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static Task<string> TimeAsync(HttpClient client, string page) => TimeAsync(client, page, () => client.GetAsync(page));

    private static Task<string> TimePostAsync(HttpClient client, string page, string yaml) => TimeAsync(client, "POST " + page + " (preview)",
        () => client.PostAsync(page, new FormUrlEncodedContent([new("yaml", yaml), new("action", "preview")])));

    /// <summary>
    /// Median and slowest wall time of 7 requests after a warm-up, and the process CPU time per request (server and
    /// client share the process; a PostgreSQL server's own CPU time is not in it).
    /// </summary>
    private static async Task<string> TimeAsync(HttpClient client, string page, Func<Task<HttpResponseMessage>> send)
    {
        var times = new List<double>();
        long bytes = 0;
        (await send()).Dispose(); // warm-up: JIT and the store's page cache
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var run = 0; run < 7; run++)
        {
            var sw = Stopwatch.StartNew();
            using var response = await send();
            var body = await response.Content.ReadAsByteArrayAsync();
            times.Add(sw.Elapsed.TotalMilliseconds);
            bytes = body.Length;
            if (!response.IsSuccessStatusCode)
            {
                return $"| `{page}` | failed: {(int)response.StatusCode} | | | |";
            }
        }

        var cpuPerRequest = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / 7;
        times.Sort();
        return $"| `{page}` | {times[3]:F1} ms | {times[^1]:F1} ms | {cpuPerRequest:F1} ms | {bytes:N0} |";
    }

    private static string Digest(string kind, int i) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}-{i}")));

    internal static ScanReport Report(int i, int round, Random random)
    {
        var layer = Digest("layer", i);
        var packages = Enumerable.Range(0, 60).Select(k => new Package
        {
            Name = $"pkg-{(i + k) % 300}", Version = $"1.0.{(k + round) % 5}", Type = PackageTypes.Npm, LayerDiffId = layer, Path = "app/package-lock.json",
        }).ToList();
        var severities = new[] { Severity.Critical, Severity.High, Severity.High, Severity.Medium, Severity.Medium, Severity.Low };
        var vulns = Enumerable.Range(0, 12).Select(k =>
        {
            var package = packages[(k * 5 + round) % packages.Count];
            return new VulnerabilityFinding
            {
                Id = $"CVE-2099-{random.Next(400):D4}", PackageName = package.Name, PackageType = package.Type, InstalledVersion = package.Version,
                Severity = severities[random.Next(severities.Length)], FixedVersions = random.Next(3) == 0 ? [] : ["2.0.0"], KnownExploited = random.Next(50) == 0,
                LayerDiffId = layer, Path = package.Path, Description = "a synthetic finding",
            };
        }).DistinctBy(v => (v.Id, v.PackageName)).ToList();
        return new ScanReport
        {
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-30 + round * 3).AddSeconds(i),
            ToolVersion = ScanContext.ToolVersion,
            Image = new ImageMetadata
            {
                Reference = $"registry.example/team{i % 20}/app{i}:1.{round}", Registry = "registry.example", Repository = $"team{i % 20}/app{i}", Tag = $"1.{round}",
                ManifestDigest = Digest("image", i), ConfigDigest = Digest("config", i), Platform = new ImagePlatform("linux", "amd64"), Config = new ImageConfig(),
                Layers = [new LayerDescriptor { Index = 0, Digest = Digest("blob", i), DiffId = layer, MediaType = "application/vnd.oci.image.layer.v1.tar+gzip", Size = 1 << 20, CreatedBy = "ADD app /app" }],
                SourceKind = "registry",
            },
            PackageSets = [new PackageSet { FilePath = "app/package-lock.json", Kind = "npm", Packages = packages }],
            Vulnerabilities = vulns,
            Secrets = random.Next(40) == 0 ? [new SecretFinding { RuleId = "aws-access-key-id", Title = "AWS access key", Path = "app/.env", Masked = "AKIA****************", Severity = Severity.Critical }] : [],
            Policy = new PolicyVerdict { Decision = vulns.Any(v => v.Severity == Severity.Critical && v.FixedVersions.Count > 0) ? "block" : vulns.Any(v => v.Severity == Severity.High) ? "warn" : "pass" },
            AdvisoryDbVersion = "bench",
            Trigger = "bench",
        };
    }
}
