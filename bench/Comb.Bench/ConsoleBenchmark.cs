using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;
using Comb.Server;
using Comb.Server.Auth;
using Comb.Storage;
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
        var images = Math.Max(1, scans / ScansPerImage);
        var store = Path.Combine(work, "console.db");
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

        Console.WriteLine($"console: {images * ScansPerImage:N0} stored scans of {images:N0} images, filled in {sw.Elapsed.TotalSeconds:F1} s");
        await using var app = CombServer.Build(["--store", store, "--cache-dir", Path.Combine(work, "cache"), "--listen", "http://127.0.0.1:0", "--workers", "0"]);
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var token = await app.Services.GetRequiredService<ApiTokens>().CreateAsync(ServerRoles.Admin, "bench", "bench", CancellationToken.None);
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Secret);
            var digest = Uri.EscapeDataString(Digest("image", 7));
            await ConsoleViewsSeed.SeedAsync(app.Services, images, CancellationToken.None);
            Console.WriteLine();
            Console.WriteLine("| page | median | slowest of 7 | bytes |");
            Console.WriteLine("| --- | ---: | ---: | ---: |");
            foreach (var page in new[]
            {
                "/", "/images", "/images?sort=risk", "/images?severity=CRITICAL&fix=1&verdict=block", "/images?q=CVE-2099-0007", "/images?q=pkg-12%401.0.3",
                "/images?offset=900", $"/images/{digest}", $"/images/{digest}?tab=vulnerabilities", $"/images/{digest}?tab=history", "/vulnerabilities/CVE-2099-0007",
                "/scans", "/policies", "/exceptions", "/audit",
                "/registries", $"/registries/{ConsoleViewsSeed.Registry}", $"/registries/{ConsoleViewsSeed.Registry}?offset=900", "/runtime", "/runtime?view=all",
                "/admission", "/admission?decision=denied&namespace=ns7", "/admission?offset=5000",
            })
            {
                Console.WriteLine(await TimeAsync(client, page));
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static async Task<string> TimeAsync(HttpClient client, string page)
    {
        var times = new List<double>();
        long bytes = 0;
        await client.GetStringAsync(page); // warm-up: JIT and SQLite page cache
        for (var run = 0; run < 7; run++)
        {
            var sw = Stopwatch.StartNew();
            using var response = await client.GetAsync(page);
            var body = await response.Content.ReadAsByteArrayAsync();
            times.Add(sw.Elapsed.TotalMilliseconds);
            bytes = body.Length;
            if (!response.IsSuccessStatusCode)
            {
                return $"| `{page}` | failed: {(int)response.StatusCode} | | |";
            }
        }

        times.Sort();
        return $"| `{page}` | {times[3]:F1} ms | {times[^1]:F1} ms | {bytes:N0} |";
    }

    private static string Digest(string kind, int i) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}-{i}")));

    private static ScanReport Report(int i, int round, Random random)
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
