using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Comb.Contracts;
using Comb.VulnDb.Database;
using Comb.VulnDb.Feeds;
using Comb.VulnDb.Matching;
using Microsoft.Data.Sqlite;

namespace Comb.VulnDb.Tests.Matching;

/// <summary>
/// The fleet fast paths against a full match, on real advisories: matching each distinct target once and fanning
/// the answer out, and after a database update carrying over every answer the recorded changes cannot have altered.
/// Each must give exactly the findings a fresh matcher gives (compared as JSON, order included).
/// </summary>
[Collection(AdvisoryDbCollection.Name)]
public sealed class FleetMatchingTests(AdvisoryDbFixture fixture) : IDisposable
{
    private static readonly OsInfo Bullseye = new() { Family = "debian", Name = "11.6", Codename = "bullseye" };
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-fleet-").FullName;

    [Fact]
    public void Matching_each_target_once_gives_the_findings_of_matching_every_package()
    {
        using var db = fixture.Open();
        var packages = Inventory(db);
        var expected = Full(db, packages);
        var memo = new MatchMemo("test", db.Info.VersionLabel);

        var first = new VulnerabilityMatcher(db, OsvComparerResolver.Instance, memo).Match(Bullseye, packages, MatchingTestKit.Layers, Ct).Findings;
        var again = new VulnerabilityMatcher(db, OsvComparerResolver.Instance, memo).Match(Bullseye, [.. packages.AsEnumerable().Reverse()], MatchingTestKit.Layers, Ct).Findings;

        Assert.True(expected.Count > 200, $"only {expected.Count} findings: the sample should hit many real advisories");
        Assert.True(memo.Count < packages.Count, "packages sharing a target (binaries of one source, copies in two layers) are matched once");
        Assert.Equal(Json(expected), Json(first));
        Assert.Equal(Json(expected), Json(again));
    }

    [Fact]
    public async Task A_rebuild_records_the_packages_and_ids_of_changed_records()
    {
        var (feeds, dbPath, before) = await BuildFirstAsync();
        var edits = EditFeeds(feeds);

        var after = await new DbImporter(new Clock(before.AddHours(1))).ImportAsync(feeds, dbPath, Ct);
        using var db = AdvisoryDatabase.Open(dbPath);
        var changes = db.ChangesSince(AdvisoryDbInfo.Label(AdvisoryDbSchema.Version, before));

        Assert.NotNull(changes);
        Assert.True(changes.NamesPackage("npm", PackageNames.Normalize("npm", edits.NpmName)), "a changed record's package");
        Assert.True(changes.NamesPackage(edits.DebianEcosystem, edits.DebianName), "a changed distro record's source package");
        Assert.True(changes.NamesPackage("PyPI", edits.RemovedName), "the package of a record that went away");
        Assert.True(changes.NamesId(edits.NpmId) && changes.NamesId(edits.RemovedId) && changes.NamesId(edits.KevCve));
        Assert.False(changes.NamesPackage("npm", "a-package-no-record-names"));
        Assert.InRange(changes.NameCount, 3, 40);
        Assert.Null(db.ChangesSince("comb-db v2 built 2001-01-01T00:00:00Z"));
        Assert.NotEqual(before, after.Info.BuiltAt);
    }

    [Fact]
    public async Task After_an_update_findings_carried_from_a_stored_scan_equal_a_full_match()
    {
        var (feeds, dbPath, before) = await BuildFirstAsync();
        var edits = EditFeeds(feeds);
        List<Package> packages;
        ScanReport stored;
        using (var old = AdvisoryDatabase.Open(dbPath))
        {
            packages = [.. Inventory(old), .. Edited(edits)];
            stored = Report(packages, Full(old, packages), old.Info.VersionLabel);
        }

        await new DbImporter(new Clock(before.AddHours(1))).ImportAsync(feeds, dbPath, Ct);
        using var db = AdvisoryDatabase.Open(dbPath);
        var expected = Full(db, packages);
        var memo = new MatchMemo(db.Info.BuildId, db.Info.VersionLabel);

        var carried = StoredMatchSeeder.Carry(stored, memo, db.ChangesSince(stored.AdvisoryDbVersion!)!);
        var actual = new VulnerabilityMatcher(db, OsvComparerResolver.Instance, memo).Match(Bullseye, packages, MatchingTestKit.Layers, Ct).Findings;

        Assert.NotEqual(Json(stored.Vulnerabilities), Json(expected)); // the update changed findings
        Assert.True(carried > 50, $"{carried} targets carried");
        Assert.True(memo.Count > carried, "the targets the changes name were matched again");
        Assert.Equal(Json(expected), Json(actual));
    }

    [Fact]
    public async Task A_host_memo_keeps_across_a_rebuild_only_what_the_changes_leave_alone()
    {
        var (feeds, dbPath, before) = await BuildFirstAsync();
        var edits = EditFeeds(feeds);
        var memos = new MatchMemos();
        List<Package> packages;
        List<VulnerabilityFinding> old;
        using (var first = AdvisoryDatabase.Open(dbPath))
        {
            packages = [.. Inventory(first), .. Edited(edits)];
            old = [.. new VulnerabilityMatcher(first, OsvComparerResolver.Instance, memos.For(first)).Match(Bullseye, packages, MatchingTestKit.Layers, Ct).Findings];
        }

        await new DbImporter(new Clock(before.AddHours(1))).ImportAsync(feeds, dbPath, Ct);
        using var db = AdvisoryDatabase.Open(dbPath);
        var memo = memos.For(db);
        var carried = memo.Count;

        var actual = new VulnerabilityMatcher(db, OsvComparerResolver.Instance, memo).Match(Bullseye, packages, MatchingTestKit.Layers, Ct).Findings;

        Assert.True(carried > 50);
        Assert.NotEqual(Json(old), Json(actual));
        Assert.Equal(Json(Full(db, packages)), Json(actual));
    }

    [Fact]
    public async Task A_stored_scan_from_an_unrecorded_version_carries_nothing()
    {
        var (_, dbPath, _) = await BuildFirstAsync();
        using var db = AdvisoryDatabase.Open(dbPath);
        var packages = Inventory(db);
        var stored = Report(packages, [], "comb-db v2 built 2001-01-01T00:00:00Z");
        var seeder = new StoredMatchSeeder(new MatchMemos());

        Assert.Equal(0, seeder.Seed(stored, new ScanOptions { DbPath = dbPath }));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string Feeds, string DbPath, DateTimeOffset BuiltAt)> BuildFirstAsync()
    {
        fixture.RequirePath();
        var feeds = Path.Combine(_dir, "feeds");
        foreach (var file in Directory.EnumerateFiles(fixture.DataDir, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(feeds, Path.GetRelativePath(fixture.DataDir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
            File.SetAttributes(dest, FileAttributes.Normal);
        }

        var builtAt = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        var dbPath = Path.Combine(_dir, "db", "comb.db");
        await new DbImporter(new Clock(builtAt)).ImportAsync(feeds, dbPath, Ct);
        return (feeds, dbPath, builtAt);
    }

    private sealed record Edits(string NpmId, string NpmName, string NpmVersion, string DebianEcosystem, string DebianName, string DebianVersion,
        string RemovedId, string RemovedName, string KevCve);

    /// <summary>Packages the edits change the findings of: the npm package no longer affected, the Debian one now affected.</summary>
    private static IEnumerable<Package> Edited(Edits edits) =>
    [
        MatchingTestKit.Lang(PackageTypes.Npm, edits.NpmName, edits.NpmVersion, "app/package-lock.json"),
        MatchingTestKit.Deb(edits.DebianName, edits.DebianVersion, edits.DebianName, edits.DebianVersion),
        MatchingTestKit.Lang(PackageTypes.Npm, "lodash", "4.17.20", "app/package-lock.json"),
    ];

    /// <summary>
    /// An update as upstream makes them: an npm record no longer affects its package, a Debian 11 record fixes its
    /// package one version later, a PyPI record is withdrawn from the feed, a KEV entry is added for a CVE, and a few
    /// records get new text.
    /// </summary>
    private static Edits EditFeeds(string feeds)
    {
        string npmId = "", npmName = "", npmVersion = "", debianName = "", debianVersion = "", removedId = "", removedName = "";
        Rewrite(Path.Combine(feeds, "osv", "npm", "all.zip"), (name, record) =>
        {
            if (npmId.Length == 0 && record["affected"]?.AsArray().Count == 1 && record["affected"]![0]!["ranges"] is JsonArray { Count: > 0 })
            {
                npmId = record["id"]!.GetValue<string>();
                npmName = record["affected"]![0]!["package"]!["name"]!.GetValue<string>();
                var events = record["affected"]![0]!["ranges"]![0]!["events"]!.AsArray();
                npmVersion = events.Select(e => e?["introduced"]?.GetValue<string>()).FirstOrDefault(v => v is not null and not "0") ?? "0.0.1";
                record["affected"]![0]!["ranges"]![0]!["events"] = new JsonArray(new JsonObject { ["introduced"] = "999.0.0" });
            }
            else if (name.GetHashCode(StringComparison.Ordinal) % 50 == 0)
            {
                record["details"] = (record["details"]?.GetValue<string>() ?? "") + " (reviewed)";
            }

            return record;
        });
        Rewrite(Path.Combine(feeds, "osv", "Debian", "all.zip"), (_, record) =>
        {
            var entry = record["affected"]?.AsArray().FirstOrDefault(a => a?["package"]?["ecosystem"]?.GetValue<string>() == "Debian:11"
                && a["ranges"]?[0]?["events"]?.AsArray().Any(e => e?["fixed"] is not null) == true);
            if (debianName.Length == 0 && entry is not null)
            {
                debianName = entry["package"]!["name"]!.GetValue<string>();
                foreach (var e in entry["ranges"]![0]!["events"]!.AsArray())
                {
                    if (e?["fixed"] is { } fixedNode)
                    {
                        debianVersion = fixedNode.GetValue<string>();
                        e["fixed"] = debianVersion + "+deb11u99";
                    }
                }
            }

            return record;
        });
        Rewrite(Path.Combine(feeds, "osv", "PyPI", "all.zip"), (_, record) =>
        {
            if (removedId.Length == 0 && record["affected"]?.AsArray().Count == 1)
            {
                removedId = record["id"]!.GetValue<string>();
                removedName = PackageNames.Normalize("PyPI", record["affected"]![0]!["package"]!["name"]!.GetValue<string>());
                return null;
            }

            return record;
        });

        var kevPath = Path.Combine(feeds, "kev", "known_exploited_vulnerabilities.json");
        var kev = JsonNode.Parse(File.ReadAllText(kevPath))!;
        const string kevCve = "CVE-2021-23337";
        kev["vulnerabilities"]!.AsArray().Add(new JsonObject
        {
            ["cveID"] = kevCve, ["vendorProject"] = "lodash", ["product"] = "lodash", ["vulnerabilityName"] = "test entry",
            ["dateAdded"] = "2026-12-01", ["shortDescription"] = "", ["requiredAction"] = "update", ["dueDate"] = "2026-12-22",
            ["knownRansomwareCampaignUse"] = "Unknown", ["notes"] = "", ["cwes"] = new JsonArray(),
        });
        File.WriteAllText(kevPath, kev.ToJsonString());
        Assert.True(npmId.Length > 0 && debianName.Length > 0 && removedId.Length > 0, "the shared data has records to edit");
        return new Edits(npmId, npmName, npmVersion, "Debian:11", debianName, debianVersion, removedId, removedName, kevCve);
    }

    private static void Rewrite(string zip, Func<string, JsonNode, JsonNode?> edit)
    {
        var copy = zip + ".old";
        File.Move(zip, copy);
        using (var source = ZipFile.OpenRead(copy))
        using (var target = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            foreach (var entry in source.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                JsonNode record;
                using (var stream = entry.Open())
                {
                    record = JsonNode.Parse(stream)!;
                }

                if (edit(entry.FullName, record) is { } kept)
                {
                    using var output = target.CreateEntry(entry.FullName).Open();
                    using var writer = new Utf8JsonWriter(output);
                    kept.WriteTo(writer);
                }
            }
        }

        File.Delete(copy);
    }

    /// <summary>
    /// Packages at versions real records name, in several ecosystems: Debian 11 source packages just below and at a
    /// fixed version (affected, and cleared), with two binaries each; npm, PyPI and Go packages at an affected
    /// version; every one also installed a second time in another layer and path.
    /// </summary>
    private static List<Package> Inventory(AdvisoryDatabase db)
    {
        var packages = new List<Package>();
        using var command = db.Connection.CreateCommand();
        command.CommandText = """
            SELECT ecosystem, package_name, ranges, versions FROM affected
            WHERE ecosystem IN ('Debian:11', 'npm', 'PyPI', 'Go') ORDER BY advisory_id, ecosystem, package_name
            """;
        using var r = command.ExecuteReader();
        var row = 0;
        while (r.Read())
        {
            if (row++ % 9 != 0)
            {
                continue;
            }

            var ecosystem = r.GetString(0);
            var name = r.GetString(1);
            var ranges = r.IsDBNull(2) ? [] : JsonSerializer.Deserialize<List<AffectedRange>>(r.GetString(2)) ?? [];
            var versions = r.IsDBNull(3) ? [] : JsonSerializer.Deserialize<List<string>>(r.GetString(3)) ?? [];
            var fixedVersion = ranges.SelectMany(x => x.Events).FirstOrDefault(e => e.Kind == EventKinds.Fixed)?.Version;
            var introduced = ranges.SelectMany(x => x.Events).FirstOrDefault(e => e.Kind == EventKinds.Introduced && e.Version != "0")?.Version;
            if (ecosystem == "Debian:11")
            {
                if (fixedVersion is not null)
                {
                    packages.Add(MatchingTestKit.Deb(name, fixedVersion + "~0", name, fixedVersion + "~0"));
                    packages.Add(MatchingTestKit.Deb("lib" + name, fixedVersion + "~0", name, fixedVersion + "~0"));
                    packages.Add(MatchingTestKit.Deb(name + "-doc", fixedVersion, name, fixedVersion));
                }

                continue;
            }

            var version = versions.FirstOrDefault() ?? introduced;
            if (version is null)
            {
                continue;
            }

            var type = ecosystem switch { "npm" => PackageTypes.Npm, "PyPI" => PackageTypes.PyPI, _ => PackageTypes.Golang };
            var package = MatchingTestKit.Lang(type, name, version, "app/lock");
            packages.Add(package);
            packages.Add(package with { Path = "srv/lock", LayerDiffId = MatchingTestKit.Layers[3].DiffId, Dev = true });
        }

        return packages;
    }

    private static List<VulnerabilityFinding> Full(AdvisoryDatabase db, List<Package> packages) =>
        [.. new VulnerabilityMatcher(db, OsvComparerResolver.Instance).Match(Bullseye, packages, MatchingTestKit.Layers, Ct).Findings];

    private static ScanReport Report(List<Package> packages, List<VulnerabilityFinding> findings, string dbVersion) => new()
    {
        CreatedAt = DateTimeOffset.UnixEpoch,
        ToolVersion = ScanContext.ToolVersion,
        Image = new ImageMetadata
        {
            Reference = "fleet.example/app:1", ConfigDigest = "sha256:" + new string('c', 64), Platform = new ImagePlatform("linux", "amd64"),
            Config = new ImageConfig(), Layers = MatchingTestKit.Layers, SourceKind = "oci",
        },
        Os = Bullseye,
        PackageSets = [new PackageSet { Kind = "mixed", FilePath = "", Packages = packages }],
        Vulnerabilities = findings,
        AdvisoryDbVersion = dbVersion,
    };

    private static string Json(IEnumerable<VulnerabilityFinding> findings) => JsonSerializer.Serialize(findings.ToList());

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
