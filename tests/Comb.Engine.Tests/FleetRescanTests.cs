using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Comb.Contracts;
using Comb.Storage;
using Comb.Testing;
using Comb.Testing.Images;
using Comb.Testing.Services;
using Comb.VulnDb.Database;
using Comb.VulnDb.Matching;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Engine.Tests;

/// <summary>
/// `rescan --all` after an advisory database update, end to end on a real inventory (the Debian test image, read as
/// Debian 11, with an npm application whose versions real advisories name) and real advisories, on SQLite and on a
/// real PostgreSQL server: a re-check that carries over stored findings records exactly the findings a fresh full
/// match of the same inventories gives.
/// </summary>
public sealed class FleetRescanTests(PostgresServer server) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-fleet-rescan-").FullName;

    [Fact]
    public Task On_sqlite_carried_findings_equal_a_full_match() => RescanAfterUpdateAsync(Path.Combine(_dir, "history.db"));

    [Fact]
    public Task On_postgres_carried_findings_equal_a_full_match() => RescanAfterUpdateAsync(server.NewDatabaseUrl());

    [Fact]
    public Task On_sqlite_images_repeated_unread_equal_a_full_match() => RescanAfterUpdateAsync(Path.Combine(_dir, "history.db"), unread: true);

    [Fact]
    public Task On_postgres_images_repeated_unread_equal_a_full_match() => RescanAfterUpdateAsync(server.NewDatabaseUrl(), unread: true);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task RescanAfterUpdateAsync(string location, bool unread = false)
    {
        var data = SharedData.RootOrNull is { } root ? Path.Combine(root, "vulndb") : null;
        Assert.SkipWhen(data is null || !Directory.Exists(data), "Shared test data not found: expected ../shared/data/vulndb beside the repository (or COMB_SHARED_DATA).");
        var reference = DebianImage.RequireReference();
        var feeds = Path.Combine(_dir, "feeds");
        foreach (var file in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(feeds, Path.GetRelativePath(data, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
            File.SetAttributes(dest, FileAttributes.Normal);
        }

        var cache = Path.Combine(_dir, "cache");
        var dbPath = Path.Combine(cache, "db", "comb.db");
        var builtAt = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        await new DbImporter(new Clock(builtAt)).ImportAsync(feeds, dbPath, Ct);
        var npmZip = Path.Combine(feeds, "osv", "npm", "all.zip");
        var npm = NpmPackages(npmZip);
        // No age note on any scan, whatever day the test runs: the stored scans' documents are then those a re-check gives.
        var options = new ScanOptions
        {
            CacheDir = cache, StorePath = location, Scanners = new HashSet<string>([Scanners.Vuln, Scanners.Secret, Scanners.Malware]), DbMaxAge = TimeSpan.FromDays(36500),
        };

        await using (var services = new ServiceCollection().AddComb().BuildServiceProvider())
        {
            var scanner = services.GetRequiredService<ImageScanner>();
            var inventory = await scanner.InventoryAsync(reference, options with { NoStore = true, Scanners = new HashSet<string>() }, null, Ct);
            await using var store = await ScanStore.OpenAsync(location, Ct);
            for (var i = 0; i < 6; i++)
            {
                await store.RecordAsync(await scanner.RunStagesAsync(Image(inventory, npm, i), options with { NoStore = true }, Ct), Ct);
            }

            // An image of the base alone: no package of it is named by the (npm) update.
            var baseOnly = Image(inventory, npm, 6);
            baseOnly = baseOnly with { PackageSets = baseOnly.PackageSets.SkipLast(1).ToList() };
            await store.RecordAsync(await scanner.RunStagesAsync(baseOnly, options with { NoStore = true }, Ct), Ct);
        }

        ChangeNpmRecords(npmZip, npm);
        await new DbImporter(new Clock(builtAt.AddHours(1))).ImportAsync(feeds, dbPath, Ct);

        // The fast path, as `comb rescan --all` runs it in a new process.
        int carried;
        IReadOnlyList<RescanResult> results;
        await using (var services = new ServiceCollection().AddComb().BuildServiceProvider())
        {
            var scanner = services.GetRequiredService<ImageScanner>();
            var seeder = services.GetRequiredService<StoredMatchSeeder>();
            await using var store = await ScanStore.OpenAsync(location, Ct);
            var count = 0;
            var read = 0;
            results = await new Rescanner(store, (inv, o, ct) => scanner.RunStagesAsync(inv, o, ct), (stored, o) =>
            {
                read++;
                count += seeder.Seed(stored, o);
            }, unread ? RescanScopes.Of(seeder) : null).RescanAsync(null, options, Ct);
            carried = count;

            // The image holding no package the update names is repeated without being read.
            Assert.Equal(unread ? 6 : 7, read);
        }

        // The full match of the same stored inventories, in a host that carries nothing over.
        await using (var services = new ServiceCollection().AddComb().BuildServiceProvider())
        {
            var scanner = services.GetRequiredService<ImageScanner>();
            await using var store = await ScanStore.OpenAsync(location, Ct);
            Assert.Equal(7, results.Count);
            Assert.True(carried > 0, "findings of unchanged targets are carried over");
            Assert.Contains(results, r => r.NoLongerVulnerable.Count > 0);
            foreach (var result in results)
            {
                var before = (await store.GetAsync(result.PreviousScanId, Ct))!;
                var fast = (await store.GetAsync(result.ScanId, Ct))!;
                var full = await scanner.RunStagesAsync(new ImageInventory
                {
                    Image = before.Image, Os = before.Os, PackageSets = before.PackageSets, Secrets = before.Secrets, Malware = before.Malware, Diagnostics = [],
                }, options with { NoStore = true, Trigger = Rescanner.Trigger }, Ct);

                if (before.Packages.Any(p => p.Type == PackageTypes.Npm))
                {
                    Assert.NotEmpty(full.Vulnerabilities);
                }

                Assert.Equal(JsonSerializer.Serialize(full.Vulnerabilities), JsonSerializer.Serialize(fast.Vulnerabilities));
                Assert.Equal(full.AdvisoryDbVersion, fast.AdvisoryDbVersion);
                Assert.Equal(JsonSerializer.Serialize(full with { ScanId = fast.ScanId, CreatedAt = fast.CreatedAt }), JsonSerializer.Serialize(fast));

                // Only the images holding a package the update changed lose findings; the others keep theirs, and their
                // history shows no change between the two scans.
                var affected = before.Packages.Any(p => p.Name == npm[0].Name || p.Name == npm[1].Name);
                var diff = ScanDiff.Compare(before, fast);
                Assert.Empty(result.NewlyVulnerable);
                Assert.Empty(diff.NewVulnerabilities);
                if (affected)
                {
                    Assert.NotEmpty(result.NoLongerVulnerable);
                    Assert.All(result.NoLongerVulnerable, v => Assert.True(v.Contains($" {npm[0].Name}@", StringComparison.Ordinal) || v.Contains($" {npm[1].Name}@", StringComparison.Ordinal), v));
                }
                else
                {
                    Assert.Empty(result.NoLongerVulnerable);
                    Assert.Empty(diff.FixedVulnerabilities);
                    Assert.Equal(before.Vulnerabilities.Select(v => $"{v.Id} {v.PackageName}@{v.InstalledVersion}"), fast.Vulnerabilities.Select(v => $"{v.Id} {v.PackageName}@{v.InstalledVersion}"));
                }
            }

            Assert.Equal(3, results.Count(r => r.NoLongerVulnerable.Count > 0));
            var latest = await store.LatestPerImageAsync(Ct);
            Assert.Equal(results.Select(r => r.ScanId).Order(StringComparer.Ordinal), latest.Select(l => l.Id).Order(StringComparer.Ordinal));
        }
    }

    /// <summary>Image <paramref name="i"/>: the real base read as Debian 11, and an npm application of its own mix of affected versions.</summary>
    private static ImageInventory Image(ImageInventory inventory, List<(string Name, string Version)> npm, int i)
    {
        var appLayer = "sha256:" + new string((char)('a' + i), 64);
        // The packages the update changes (the first two) are in the first three images only.
        var app = npm.Where((_, n) => (n % 3 == i % 3 && n >= 2) || (n < 4 && (n >= 2 || i < 3))).Select(p => new Package
        {
            Name = p.Name, Version = p.Version, Type = PackageTypes.Npm, LayerDiffId = appLayer, Path = "app/package-lock.json",
        }).ToList();
        return inventory with
        {
            Image = inventory.Image with
            {
                Reference = $"fleet.example/app-{i}:1", ManifestDigest = "sha256:" + new string((char)('0' + i), 64),
                Layers = [.. inventory.Image.Layers, inventory.Image.Layers[^1] with { DiffId = appLayer, Digest = appLayer, Index = inventory.Image.Layers.Count }],
            },
            Os = inventory.Os! with { Name = "11", Codename = "bullseye" },
            PackageSets = [.. inventory.PackageSets, new PackageSet { Kind = "npm", FilePath = "app/package-lock.json", Packages = app }],
        };
    }

    /// <summary>Up to 24 npm packages at the version where a real advisory's affected range starts.</summary>
    private static List<(string Name, string Version)> NpmPackages(string zip)
    {
        using var archive = ZipFile.OpenRead(zip);
        var found = new List<(string, string)>();
        foreach (var entry in archive.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            using var stream = entry.Open();
            var affected = JsonNode.Parse(stream)?["affected"]?.AsArray();
            if (affected is [{ } only] && only["package"]?["name"]?.GetValue<string>() is { } name
                && only["ranges"]?[0]?["events"]?.AsArray().Select(e => e?["introduced"]?.GetValue<string>()).FirstOrDefault(v => v is not null) is { } introduced
                && found.TrueForAll(f => f.Item1 != name))
            {
                found.Add((name, introduced == "0" ? "0.0.1" : introduced));
            }

            if (found.Count == 24)
            {
                break;
            }
        }

        return found;
    }

    /// <summary>The update: the records of the first two packages stop affecting them; every fifth record gets new text.</summary>
    private static void ChangeNpmRecords(string zip, List<(string Name, string Version)> npm)
    {
        var original = zip + ".old";
        File.Move(zip, original);
        using (var source = ZipFile.OpenRead(original))
        using (var target = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            var n = 0;
            foreach (var entry in source.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                JsonNode record;
                using (var stream = entry.Open())
                {
                    record = JsonNode.Parse(stream)!;
                }

                var name = record["affected"]?[0]?["package"]?["name"]?.GetValue<string>();
                if (name == npm[0].Name || name == npm[1].Name)
                {
                    foreach (var affected in record["affected"]!.AsArray())
                    {
                        affected!["ranges"] = new JsonArray(new JsonObject { ["type"] = "SEMVER", ["events"] = new JsonArray(new JsonObject { ["introduced"] = "999.0.0" }) });
                    }
                }
                else if (n++ % 5 == 0)
                {
                    record["details"] = (record["details"]?.GetValue<string>() ?? "") + " (reviewed)";
                }

                using var output = target.CreateEntry(entry.FullName).Open();
                using var writer = new Utf8JsonWriter(output);
                record.WriteTo(writer);
            }
        }

        File.Delete(original);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
