using System.Diagnostics;
using Comb.Contracts;
using Comb.Testing;
using Comb.VulnDb;
using Comb.VulnDb.Database;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Bench;

/// <summary>
/// Builds the advisory database from the shared vulndb data (time, size), then runs the matching stage over a
/// PACKAGES-package inventory: names taken from the database (so most lookups hit, at versions old enough to be
/// affected: a worst case for finding construction) topped up with names that miss.
/// </summary>
internal static class VulnDbBenchmark
{
    public static async Task RunAsync(string work, string[] args)
    {
        var total = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5000;
        var data = SharedData.RootOrNull is { } root ? Path.Combine(root, "vulndb") : null;
        if (data is null || !Directory.Exists(data))
        {
            Console.Error.WriteLine("shared vulndb data not found (../shared/data/vulndb or COMB_SHARED_DATA)");
            return;
        }

        var dbPath = Path.Combine(work, "db", "comb.db");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var built = await new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync(data, dbPath, CancellationToken.None);
        Console.WriteLine("| measure | value |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine($"| DB build (wall / cpu) | {sw.Elapsed.TotalSeconds:F1} s / {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s |");
        Console.WriteLine($"| DB size | {built.Info.SizeBytes / 1048576.0:F1} MiB, {built.Info.AdvisoryCount} advisories |");

        var packages = Inventory(dbPath, total, out var hitting);
        using var services = new ServiceCollection().AddCombVulnDb().BuildServiceProvider();
        var stage = services.GetServices<IScanStage>().Single(s => s.Id == "vulnerability-matching");
        var image = new ImageMetadata
        {
            Reference = "bench", ConfigDigest = "sha256:0", Platform = new ImagePlatform("linux", "amd64"), Config = new ImageConfig(), Layers = [], SourceKind = "rootfs",
        };
        var inventory = new ImageInventory
        {
            Image = image,
            Os = new OsInfo { Family = "debian", Name = "11.6" },
            PackageSets = [new PackageSet { FilePath = "bench", Kind = "mixed", Packages = packages }],
        };
        for (var round = 1; round <= 3; round++)
        {
            var context = new ScanContext(inventory, new ScanOptions { DbPath = dbPath });
            cpu = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            await stage.RunAsync(context, CancellationToken.None);
            var wall = sw.Elapsed.TotalSeconds;
            var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine($"| match run {round}: {packages.Count} packages ({hitting} with advisories), {context.Vulnerabilities.Count} findings | {packages.Count / wall:F0} packages/s wall ({wall:F2} s), {packages.Count / used:F0} packages/cpu-s |");
        }
    }

    private static List<Package> Inventory(string dbPath, int total, out int hitting)
    {
        var packages = new List<Package>();
        using (var conn = new SqliteConnection($"Data Source={dbPath};Mode=ReadOnly;Pooling=False"))
        {
            conn.Open();
            foreach (var (ecosystem, type, share, version) in new[]
                     {
                         ("Debian:11", PackageTypes.Deb, 0.06, "0.1-1"), ("npm", PackageTypes.Npm, 0.08, "0.0.1"),
                         ("PyPI", PackageTypes.PyPI, 0.16, "0.0.1"), ("Go", PackageTypes.Golang, 0.16, "v0.0.1"),
                         ("crates.io", PackageTypes.Cargo, 0.10, "0.0.1"), ("Packagist", PackageTypes.Composer, 0.08, "0.0.1"),
                         ("RubyGems", PackageTypes.Gem, 0.08, "0.0.1"),
                     })
            {
                using var cmd = conn.CreateCommand();
                cmd.CommandText = "SELECT DISTINCT package_name FROM affected WHERE ecosystem=$e ORDER BY package_name LIMIT $n";
                cmd.Parameters.AddWithValue("$e", ecosystem);
                cmd.Parameters.AddWithValue("$n", (int)(total * share));
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    packages.Add(new Package { Name = r.GetString(0), Version = version, Type = type, Path = "app/lock", LayerDiffId = "sha256:" + new string('1', 64) });
                }
            }
        }

        hitting = packages.Count;
        while (packages.Count < total)
        {
            packages.Add(new Package { Name = "no-such-package-" + packages.Count, Version = "1.0.0", Type = PackageTypes.Npm, Path = "app/package-lock.json" });
        }

        return packages;
    }
}
