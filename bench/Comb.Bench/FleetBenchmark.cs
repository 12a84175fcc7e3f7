using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Comb.Contracts;
using Comb.Engine;
using Comb.Storage;
using Comb.Testing;
using Comb.Testing.Images;
using Comb.Testing.Services;
using Comb.VulnDb.Database;
using Comb.VulnDb.Matching;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Bench;

/// <summary>
/// The fleet figures of the speed issue: a store of IMAGES stored scans that share a base (the Debian test image's
/// real inventory, read as Debian 11 so its packages meet Debian advisories) each with an application of 20 npm and
/// PyPI packages at versions real advisories name (15 shared by every 100 images, 5 of its own); then `rescan --all`
/// against the advisory database built from the shared data, a database update that changes 100 npm advisories,
/// `rescan --all` again in a fresh host (as a new `comb` process would), and `impact CVE`. On SQLite and, when its
/// binaries are installed, on a PostgreSQL server started for the run.
/// </summary>
internal static class FleetBenchmark
{
    private const int ChangedAdvisories = 100;

    public static async Task RunAsync(string work, string[] args)
    {
        var images = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
        var backends = args.Length > 1 ? args[1].Split(',') : ["sqlite", "postgres"];
        var data = SharedData.RootOrNull is { } root ? Path.Combine(root, "vulndb") : null;
        if (data is null || !Directory.Exists(data))
        {
            Console.Error.WriteLine("shared vulndb data not found (../shared/data/vulndb or COMB_SHARED_DATA)");
            return;
        }

        var feeds = Path.Combine(work, "feeds");
        CopyDirectory(data, feeds);
        var cacheDir = Path.Combine(work, "cache");
        await using (var services = new ServiceCollection().AddComb().BuildServiceProvider())
        {
            var inventory = await services.GetRequiredService<ImageScanner>().InventoryAsync(DebianImage.RequireReference(),
                new ScanOptions { CacheDir = cacheDir, NoStore = true, Scanners = new HashSet<string>() }, null, CancellationToken.None);
            List<(string Type, string Name, string Version)> npm =
            [
                .. AffectedPackages(Path.Combine(feeds, "osv", "npm", "all.zip")).Select(p => (PackageTypes.Npm, p.Name, p.Version)),
                .. AffectedPackages(Path.Combine(feeds, "osv", "PyPI", "all.zip")).Select(p => (PackageTypes.PyPI, p.Name, p.Version)),
            ];
            Console.WriteLine($"fleet: {images:N0} images, {inventory.Packages.Count()} Debian packages each + 20 application packages from {npm.Count} affected npm and PyPI versions");
            Console.WriteLine();
            Console.WriteLine("| store | fill | `rescan --all` | re-match after a DB update of 100 advisories | `impact CVE` | `impact PACKAGE@VERSION` | re-match after a narrow update |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var backend in backends)
            {
                PostgresServer? server = null;
                try
                {
                    string location;
                    if (backend == "postgres")
                    {
                        server = new PostgresServer();
                        await server.InitializeAsync();
                        location = server.NewDatabaseUrl();
                    }
                    else
                    {
                        location = Path.Combine(work, $"fleet-{backend}.db");
                    }

                    // Each backend starts from the same database build, so both rescans do the same work.
                    ChangeNpmAdvisories(Path.Combine(feeds, "osv", "npm", "all.zip"), restore: true);
                    await new DbImporter().ImportAsync(feeds, Path.Combine(cacheDir, "db", "comb.db"), CancellationToken.None);
                    Console.WriteLine(await MeasureAsync(location, backend, images, inventory, npm, feeds, cacheDir));
                }
                catch (Exception ex) when (ex.GetType().Name == "SkipException")
                {
                    Console.WriteLine($"| {backend} | not measured: {ex.Message} | | | | | |");
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
    }

    private static async Task<string> MeasureAsync(string location, string backend, int images, ImageInventory inventory,
        List<(string Type, string Name, string Version)> npm, string feeds, string cacheDir)
    {
        var sw = Stopwatch.StartNew();
        await using (var store = await ScanStore.OpenAsync(location, CancellationToken.None))
        {
            // Recorded as scans arrive in bulk: 200 to a transaction.
            foreach (var batch in Enumerable.Range(0, images).Chunk(200))
            {
                await store.RecordAllAsync([.. batch.Select(i => Stored(inventory, npm, i))], CancellationToken.None);
            }
        }

        var fill = sw.Elapsed.TotalSeconds;
        RescanTrace.Report("fill");
        var first = await RescanAsync(location, cacheDir);

        // The update: 100 npm advisories change; the next `comb rescan --all` is a new process with nothing in memory.
        ChangeNpmAdvisories(Path.Combine(feeds, "osv", "npm", "all.zip"), restore: false);
        await new DbImporter().ImportAsync(feeds, Path.Combine(cacheDir, "db", "comb.db"), CancellationToken.None);
        var second = await RescanAsync(location, cacheDir);

        await using var scans = await ScanStore.OpenAsync(location, CancellationToken.None);
        var probe = (await scans.ImpactByVulnerabilityAsync(first.ProbeCve, CancellationToken.None)).Count;
        var impact = QueryTiming.Median(5, () => scans.ImpactByVulnerabilityAsync(first.ProbeCve, CancellationToken.None));
        var package = inventory.Packages.First(p => p.Name.StartsWith("lib", StringComparison.Ordinal));
        var impactPackage = QueryTiming.Median(5, () => scans.ImpactByPackageAsync(package.Name, package.Version, CancellationToken.None));

        // A narrow update: the advisories naming the fleet's least-held packages change, up to a hundredth of the images.
        var (records, named) = ChangeNarrowly(Path.Combine(feeds, "osv", "npm", "all.zip"), images, npm);
        await new DbImporter().ImportAsync(feeds, Path.Combine(cacheDir, "db", "comb.db"), CancellationToken.None);
        var third = await RescanAsync(location, cacheDir);
        return $"| {backend} | {fill:F1} s | {first.Seconds:F1} s ({first.Cpu:F1} s cpu; {first.Findings:N0} findings, {first.Seeded:N0} targets carried) "
            + $"| {second.Seconds:F1} s ({second.Cpu:F1} s cpu; {second.Rechecked:N0} images read, {second.Seeded:N0} targets carried) | {impact:F1} ms ({probe:N0} hits, {first.ProbeCve}) | {impactPackage:F1} ms "
            + $"| {third.Seconds:F2} s ({third.Cpu:F2} s cpu; {records} advisories naming packages of {named:N0} images; {third.Rechecked:N0} images read) |";
    }

    private sealed record RescanFigures(double Seconds, double Cpu, int Findings, int Seeded, int Rechecked, string ProbeCve);

    /// <summary>
    /// Rewrites (as an upstream edit would) the npm records whose packages the fewest images hold, adding records while
    /// the images holding a package they name stay within a hundredth of the fleet (at least one record); returns how
    /// many records changed and how many images hold a package they name.
    /// </summary>
    private static (int Records, int Images) ChangeNarrowly(string zip, int images, List<(string Type, string Name, string Version)> npm)
    {
        var holders = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        for (var i = 0; i < images; i++)
        {
            foreach (var p in AppPackages(npm, i).Where(p => p.Type == PackageTypes.Npm))
            {
                if (!holders.TryGetValue(p.Name, out var set))
                {
                    holders[p.Name] = set = [];
                }

                set.Add(i);
            }
        }

        var entries = new List<(string Name, byte[] Data, JsonNode Record, HashSet<int> Held)>();
        using (var source = ZipFile.OpenRead(zip))
        {
            foreach (var entry in source.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                using var stream = entry.Open();
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                var record = JsonNode.Parse(buffer.ToArray())!;
                var held = new HashSet<int>();
                foreach (var affected in record["affected"]?.AsArray() ?? [])
                {
                    if (affected?["package"]?["name"]?.GetValue<string>() is { } name && holders.TryGetValue(name, out var h))
                    {
                        held.UnionWith(h);
                    }
                }

                entries.Add((entry.FullName, buffer.ToArray(), record, held));
            }
        }

        var touched = new HashSet<int>();
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries.Where(e => e.Held.Count > 0).OrderBy(e => e.Held.Count).ThenBy(e => e.Name, StringComparer.Ordinal))
        {
            if (changed.Count >= ChangedAdvisories || (changed.Count > 0 && touched.Union(e.Held).Count() > Math.Max(1, images / 100)))
            {
                break;
            }

            changed.Add(e.Name);
            touched.UnionWith(e.Held);
        }

        File.Delete(zip);
        using var target = ZipFile.Open(zip, ZipArchiveMode.Create);
        foreach (var (name, data, record, _) in entries)
        {
            using var output = target.CreateEntry(name).Open();
            if (!changed.Contains(name))
            {
                output.Write(data);
                continue;
            }

            record["modified"] = "2026-12-02T00:00:00Z";
            record["details"] = (record["details"]?.GetValue<string>() ?? "") + "\n\nUpdated: references reviewed.";
            using var writer = new System.Text.Json.Utf8JsonWriter(output);
            record.WriteTo(writer);
        }

        return (changed.Count, touched.Count);
    }

    private static async Task<RescanFigures> RescanAsync(string location, string cacheDir)
    {
        // A fresh host, as `comb rescan --all` is: no match memo from an earlier run.
        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var scanner = services.GetRequiredService<ImageScanner>();
        var seeder = services.GetRequiredService<StoredMatchSeeder>();
        await using var store = await ScanStore.OpenAsync(location, CancellationToken.None);
        var options = new ScanOptions { CacheDir = cacheDir, StorePath = location, Scanners = new HashSet<string>([Scanners.Vuln, Scanners.Secret, Scanners.Malware]) };
        var seeded = 0;
        var rechecked = 0;
        var scopes = RescanScopes.Of(seeder);
        foreach (var (dbVersion, toolVersion) in await store.RepeatableBuildsAsync(CancellationToken.None))
        {
            var scope = await scopes(dbVersion, toolVersion, options, CancellationToken.None);
            Console.Error.WriteLine($"stored scans of {dbVersion} ({toolVersion}): {(scope is null ? "re-checked in full" : $"repeated unread unless a change of {scope.Ids.Count} ids names them")}");
        }

        RescanTrace.Report("before the rescan");
        var stagesTime = new Stopwatch();
        var seedTime = new Stopwatch();
        var stagesCpu = TimeSpan.Zero;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var results = await new Rescanner(store, async (inv, o, ct) =>
        {
            stagesTime.Start();
            Interlocked.Increment(ref rechecked);
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            var r = await scanner.RunStagesAsync(inv, o, ct);
            stagesCpu += Process.GetCurrentProcess().TotalProcessorTime - before;
            stagesTime.Stop();
            return r;
        }, (stored, o) =>
        {
            seedTime.Start();
            seeded += seeder.Seed(stored, o);
            seedTime.Stop();
        }, RescanScopes.Of(seeder)).RescanAsync(null, options, CancellationToken.None);
        var seconds = sw.Elapsed.TotalSeconds;
        var rescanCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        RescanTrace.Report("rescan");
        Console.Error.WriteLine($"rescan {seconds:F1} s ({(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s cpu): stages {stagesTime.Elapsed.TotalSeconds:F1} s ({stagesCpu.TotalSeconds:F1} s cpu), carrying over {seedTime.Elapsed.TotalSeconds:F1} s, the rest (read, record, diff) {seconds - stagesTime.Elapsed.TotalSeconds - seedTime.Elapsed.TotalSeconds:F1} s");
        // Where a re-check's time goes besides the stages: reading the stored scans and recording reports.
        var readCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var reports = new List<ScanReport>();
        foreach (var r in results.Take(200))
        {
            reports.Add((await store.GetAsync(r.ScanId, CancellationToken.None))!);
        }

        var serializeCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var documentBytes = reports.Sum(r => (long)ReportSerializer.Compress(r with { PackageSets = [], Vulnerabilities = [] }).Length);
        var compressedCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var recordCpu = compressedCpu;
        await using (var scratch = await ScanStore.OpenAsync(Path.Combine(cacheDir, $"scratch-{Guid.NewGuid():N}.db"), CancellationToken.None))
        {
            // Recorded as a rescan does: in one transaction, the package sets already written once.
            await scratch.RecordAllAsync(reports, CancellationToken.None);
            recordCpu = Process.GetCurrentProcess().TotalProcessorTime;
            await scratch.RecordAllAsync(reports, CancellationToken.None);
        }

        var endCpu = Process.GetCurrentProcess().TotalProcessorTime;
        Console.Error.WriteLine($"per stored scan: read {(serializeCpu - readCpu).TotalMilliseconds / reports.Count:F2} ms cpu, record {(endCpu - recordCpu).TotalMilliseconds / reports.Count:F2} ms cpu "
            + $"(compressing its report document alone {(compressedCpu - serializeCpu).TotalMilliseconds / reports.Count:F2} ms, {documentBytes / reports.Count:N0} bytes)");
        var last = await store.GetAsync(results[^1].ScanId, CancellationToken.None);
        var probe = last!.Vulnerabilities.Where(v => v.PackageType == PackageTypes.Deb).Select(v => v.Id).FirstOrDefault()
            ?? last.Vulnerabilities.Select(v => v.Id).FirstOrDefault() ?? "CVE-2021-3711";
        return new RescanFigures(seconds, rescanCpu, results.Count * last.Vulnerabilities.Count, seeded, rechecked, probe);
    }

    /// <summary>Image <paramref name="i"/> as an earlier inventory-only scan stored it: the shared base and its own npm application.</summary>
    private static ScanReport Stored(ImageInventory inventory, List<(string Type, string Name, string Version)> npm, int i)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"fleet-{i}")));
        var appLayer = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"app-{i}")));
        var app = AppPackages(npm, i).Select(p => new Package
            {
                Name = p.Name, Version = p.Version, Type = p.Type, Purl = $"pkg:{p.Type.ToLowerInvariant()}/{p.Name}@{p.Version}",
                LayerDiffId = appLayer, Path = p.Type == PackageTypes.Npm ? "app/package-lock.json" : "app/requirements.txt",
            }).ToList();
        return new ScanReport
        {
            CreatedAt = DateTimeOffset.UtcNow.AddDays(-1).AddSeconds(i),
            ToolVersion = ScanContext.ToolVersion,
            Image = inventory.Image with
            {
                Reference = $"fleet.example/app-{i}:1", Registry = "fleet.example", Repository = $"app-{i}", Tag = "1", ManifestDigest = digest,
                Layers = [.. inventory.Image.Layers, inventory.Image.Layers[^1] with { DiffId = appLayer, Digest = appLayer, Index = inventory.Image.Layers.Count }],
            },
            Os = inventory.Os! with { Name = "11", Codename = "bullseye" },
            PackageSets =
            [
                .. inventory.PackageSets,
                new PackageSet { Kind = "npm", FilePath = "app/package-lock.json", Packages = [.. app.Where(p => p.Type == PackageTypes.Npm)] },
                new PackageSet { Kind = "pip", FilePath = "app/requirements.txt", Packages = [.. app.Where(p => p.Type == PackageTypes.PyPI)] },
            ],
            Trigger = "bench",
        };
    }

    /// <summary>Image <paramref name="i"/>'s application packages: 15 shared by its group of 100 images, 5 of its own (each name once).</summary>
    private static IEnumerable<(string Type, string Name, string Version)> AppPackages(List<(string Type, string Name, string Version)> npm, int i)
    {
        var group = i / 100;
        return Enumerable.Range(0, 15).Select(k => npm[(group * 15 + k) % npm.Count])
            .Concat(Enumerable.Range(0, 5).Select(k => npm[(i * 5 + k) * 7 % npm.Count]))
            .DistinctBy(p => (p.Type, p.Name));
    }

    /// <summary>(name, version) pairs that a real advisory marks affected: its first affected version, else the start of its first range.</summary>
    private static List<(string Name, string Version)> AffectedPackages(string zip)
    {
        using var archive = ZipFile.OpenRead(zip);
        var found = new SortedSet<(string, string)>();
        foreach (var entry in archive.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            using var stream = entry.Open();
            foreach (var affected in JsonNode.Parse(stream)?["affected"]?.AsArray() ?? [])
            {
                var name = affected?["package"]?["name"]?.GetValue<string>();
                var version = affected?["versions"]?.AsArray().FirstOrDefault()?.GetValue<string>()
                    ?? affected?["ranges"]?.AsArray().SelectMany(r => r?["events"]?.AsArray() ?? []).Select(e => e?["introduced"]?.GetValue<string>()).FirstOrDefault(v => v is not null and not "0");
                if (name is not null && version is not null)
                {
                    found.Add((name, version));
                }
            }
        }

        return [.. found];
    }

    /// <summary>Rewrites the first 100 npm records as an upstream edit would (new modification time and text); restore puts the originals back.</summary>
    private static void ChangeNpmAdvisories(string zip, bool restore)
    {
        var original = zip + ".orig";
        if (restore)
        {
            if (File.Exists(original))
            {
                File.Copy(original, zip, overwrite: true);
            }

            return;
        }

        File.Copy(zip, original, overwrite: true);
        using var source = ZipFile.OpenRead(original);
        File.Delete(zip);
        using var target = ZipFile.Open(zip, ZipArchiveMode.Create);
        var changed = 0;
        foreach (var entry in source.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            JsonNode record;
            using (var stream = entry.Open())
            {
                record = JsonNode.Parse(stream)!;
            }

            if (changed++ < ChangedAdvisories)
            {
                record["modified"] = "2026-12-01T00:00:00Z";
                record["details"] = (record["details"]?.GetValue<string>() ?? "") + "\n\nUpdated: affected ranges reviewed.";
            }

            using var output = target.CreateEntry(entry.FullName).Open();
            using var writer = new System.Text.Json.Utf8JsonWriter(output);
            record.WriteTo(writer);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
    }
}
