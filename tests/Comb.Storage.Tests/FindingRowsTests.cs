using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Comb.Contracts;
using Comb.Testing.Services;
using Microsoft.Data.Sqlite;

namespace Comb.Storage.Tests;

/// <summary>
/// How findings are indexed (a row per finding, its id list once per distinct list), on SQLite and PostgreSQL: a fleet
/// on a shared base, an upgrade from the schema that kept a row per id and alias in every finding set, and a re-match
/// after an advisory update.
/// </summary>
public abstract class FindingRowsContract
{
    /// <summary>The schema before finding id lists (a finding row per id and alias) and advisory texts (whole findings in every set).</summary>
    private const int SchemaWithARowPerId = 10;

    /// <summary>The schema before finding cores: sets held their findings, each without its advisory text.</summary>
    private const int SchemaWithTextsApart = 12;

    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Where a new, empty store can be opened.</summary>
    protected abstract string NewLocation();

    private static readonly string BaseLayer = "sha256:" + new string('b', 64);

    /// <summary>The advisories a package@version meets: (id, aliases, description, fixed version or null).</summary>
    private static readonly Dictionary<string, (string Id, string[] Aliases, string Text, string? Fix)[]> Advisories = new(StringComparer.Ordinal)
    {
        ["openssl@1.1.1k"] = [("CVE-2021-3711", ["DSA-5051-1", "GHSA-3711"], "SM2 decryption overflow", "1.1.1l"), ("CVE-2021-3712", ["DSA-5051-1"], "read buffer overrun", "1.1.1l")],
        ["zlib@1.2"] = [("CVE-2022-37434", [], "inflate overflow", null)],
        ["left-pad@1.0"] = [("GHSA-aaaa-0001", ["CVE-2026-0001"], "prototype pollution", "1.1")],
        ["lodash@4.0"] = [("GHSA-bbbb-0002", ["CVE-2026-0002"], "command injection", "4.1")],
    };

    /// <summary>Image <paramref name="i"/>: the shared Debian base and an application layer of its own with one or two npm packages.</summary>
    private static ImageInventory Image(int i)
    {
        var app = "sha256:" + i.ToString("x64", CultureInfo.InvariantCulture);
        var npm = new List<(string, string)> { ($"own-{i}", "1.0"), i % 2 == 0 ? ("left-pad", "1.0") : ("lodash", "4.0") };
        return new ImageInventory
        {
            Image = new ImageMetadata
            {
                Reference = $"registry.example/app-{i}:1", Registry = "registry.example", Repository = $"app-{i}", Tag = "1",
                ManifestDigest = "sha256:" + (i + 1000).ToString("x64", CultureInfo.InvariantCulture), ConfigDigest = "sha256:" + new string('c', 64),
                Platform = new ImagePlatform("linux", "amd64"), Config = new ImageConfig(), SourceKind = "registry",
                Layers = [new LayerDescriptor { Index = 0, Digest = BaseLayer, DiffId = BaseLayer, MediaType = "application/vnd.oci.image.layer.v1.tar+gzip" },
                    new LayerDescriptor { Index = 1, Digest = app, DiffId = app, MediaType = "application/vnd.oci.image.layer.v1.tar+gzip" }],
            },
            Os = new OsInfo { Family = "debian", Name = "11" },
            PackageSets =
            [
                new PackageSet
                {
                    Kind = "dpkg", FilePath = "var/lib/dpkg/status",
                    Packages = [.. new[] { ("openssl", "1.1.1k"), ("zlib", "1.2") }.Select(p => new Package { Name = p.Item1, Version = p.Item2, Type = PackageTypes.Deb, LayerDiffId = BaseLayer, Path = "var/lib/dpkg/status" })],
                },
                new PackageSet
                {
                    Kind = "npm", FilePath = "app/package-lock.json",
                    Packages = [.. npm.Select(p => new Package { Name = p.Item1, Version = p.Item2, Type = PackageTypes.Npm, LayerDiffId = app, Path = "app/package-lock.json" })],
                },
            ],
        };
    }

    /// <summary>Matches an inventory against <paramref name="advisories"/> in the matcher's order (package, version, path, severity, id).</summary>
    private static ScanReport Match(ImageInventory inventory, IReadOnlyDictionary<string, (string Id, string[] Aliases, string Text, string? Fix)[]> advisories,
        DateTimeOffset at, string db, string trigger) => new()
    {
        CreatedAt = at, ToolVersion = "test", Image = inventory.Image, Os = inventory.Os, PackageSets = inventory.PackageSets, AdvisoryDbVersion = db, Trigger = trigger,
        Vulnerabilities = [.. inventory.Packages
            .SelectMany(p => advisories.GetValueOrDefault($"{p.Name}@{p.Version}", []).Select(a => new VulnerabilityFinding
            {
                Id = a.Id, Aliases = a.Aliases, PackageName = p.Name, PackageType = p.Type, InstalledVersion = p.Version, Description = a.Text,
                FixedVersions = a.Fix is null ? [] : [a.Fix], Status = a.Fix is null ? "affected" : "fixed", Severity = Severity.High,
                KnownExploited = a.Id == "CVE-2021-3711", LayerDiffId = p.LayerDiffId, Path = p.Path,
            }))
            .OrderBy(v => v.PackageName, StringComparer.Ordinal).ThenBy(v => v.InstalledVersion, StringComparer.Ordinal).ThenBy(v => v.Path, StringComparer.Ordinal)
            .ThenBy(v => v.Id, StringComparer.Ordinal)],
    };

    private static async Task<long> CountAsync(ScanStore store, string sql)
    {
        await using var connection = await store.OpenConnectionAsync(Ct);
        return (await Sql.QueryAsync(connection, sql, r => Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), Ct))[0];
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    /// <summary>Impact hits in a total order (the query orders by image and package; two findings of one package tie).</summary>
    private static List<ImpactHit> Sorted(IEnumerable<ImpactHit> hits) =>
        [.. hits.OrderBy(h => h.Reference, StringComparer.Ordinal).ThenBy(h => h.ScanId, StringComparer.Ordinal).ThenBy(h => h.Package, StringComparer.Ordinal)
            .ThenBy(h => h.VulnerabilityId, StringComparer.Ordinal).ThenBy(h => h.Path, StringComparer.Ordinal)];

    [Fact]
    public async Task A_fleet_on_a_shared_base_stores_the_base_findings_once_and_each_id_list_once()
    {
        await using var store = await ScanStore.OpenAsync(NewLocation(), Ct);
        var fleet = Enumerable.Range(0, 80).Select(i => Match(Image(i), Advisories, T0.AddSeconds(i), "db-1", "cli")).ToList();
        var ids = await store.RecordAllAsync(fleet, Ct);

        // Base: one finding set of three findings for all 80 images; each image's application its own set of one finding.
        Assert.Equal(1 + 80, await CountAsync(store, "SELECT COUNT(*) FROM finding_sets"));
        Assert.Equal(3 + 80, await CountAsync(store, "SELECT COUNT(*) FROM finding_rows"));
        Assert.Equal(80 * 2, await CountAsync(store, "SELECT COUNT(*) FROM scan_findings"));

        // Id lists: {CVE-2021-3711, DSA-5051-1, GHSA-3711}, {CVE-2021-3712, DSA-5051-1}, {CVE-2022-37434}, and one per application advisory.
        Assert.Equal(3 + 2 + 1 + 2 + 2, await CountAsync(store, "SELECT COUNT(*) FROM finding_ids"));
        Assert.Equal(5, await CountAsync(store, "SELECT COUNT(DISTINCT ids) FROM finding_ids"));

        // Each advisory's text once, each finding's core (package version and advisory) once; the sets hold cores and places.
        Assert.Equal(5, await CountAsync(store, "SELECT COUNT(*) FROM finding_texts"));
        Assert.Equal(5, await CountAsync(store, "SELECT COUNT(*) FROM finding_cores"));
        await using (var connection = await store.OpenConnectionAsync(Ct))
        {
            foreach (var data in await Sql.QueryAsync(connection, "SELECT data FROM finding_sets", r => (byte[])r[0], Ct))
            {
                var stored = ContentAddressedBlobs<StoredFindings>.Decode(data)!;
                Assert.True(stored.HasCores);
                Assert.Empty(stored.Findings);
                Assert.All(stored.Cores, c => Assert.StartsWith("sha256:", c, StringComparison.Ordinal));
                Assert.Equal(stored.Cores.Count * 2, stored.At.Count);
                Assert.Single(stored.Layers);
            }

            foreach (var data in await Sql.QueryAsync(connection, "SELECT data FROM finding_cores", r => (byte[])r[0], Ct))
            {
                var core = ContentAddressedBlobs<StoredCore>.Decode(data)!;
                Assert.Null(core.Finding.Description);
                Assert.Null(core.Finding.LayerDiffId);
                Assert.Null(core.Finding.Path);
                Assert.StartsWith("sha256:", core.Text, StringComparison.Ordinal);
            }
        }

        // A second batch of the same fleet adds references, not rows.
        await store.RecordAllAsync([.. fleet.Select(r => r with { CreatedAt = r.CreatedAt.AddHours(1) })], Ct);
        Assert.Equal(3 + 80, await CountAsync(store, "SELECT COUNT(*) FROM finding_rows"));
        Assert.Equal(10, await CountAsync(store, "SELECT COUNT(*) FROM finding_ids"));

        // Any id of a list finds every finding carrying it, once per image.
        Assert.Equal(80, (await store.ImpactByVulnerabilityAsync("GHSA-3711", Ct)).Count);
        Assert.Equal(160, (await store.ImpactByVulnerabilityAsync("DSA-5051-1", Ct)).Count);
        Assert.Equal(40, (await store.ImpactByVulnerabilityAsync("CVE-2026-0001", Ct)).Count);
        Assert.All(await store.ImpactByVulnerabilityAsync("CVE-2026-0001", Ct), h => Assert.Equal("GHSA-aaaa-0001", h.VulnerabilityId));
        Assert.Equal(Json(fleet[7] with { ScanId = ids[7] }), Json(await store.GetAsync(ids[7], Ct)));
    }

    [Fact]
    public async Task Findings_of_one_package_version_share_a_core_wherever_they_were_found_and_read_back_as_recorded()
    {
        var location = NewLocation();
        await using var store = await ScanStore.OpenAsync(location, Ct);

        // The same application packages found at no layer or path (an SBOM, say), and in two layers of their own.
        var bare = Image(0);
        bare = bare with
        {
            PackageSets = [.. bare.PackageSets.Select(s => s with { Packages = [.. s.Packages.Select(p => p with { LayerDiffId = null, Path = null })] })],
        };
        var reports = new[] { Match(bare, Advisories, T0, "db-1", "cli"), Match(Image(2), Advisories, T0.AddSeconds(1), "db-1", "cli"), Match(Image(4), Advisories, T0.AddSeconds(2), "db-1", "cli") };
        Assert.Contains(reports[0].Vulnerabilities, v => v.LayerDiffId is null && v.Path is null);
        var ids = await store.RecordAllAsync(reports, Ct);

        // openssl's two, zlib's one and left-pad's one: a core each, whatever the layer and path.
        Assert.Equal(4, await CountAsync(store, "SELECT COUNT(*) FROM finding_cores"));
        Assert.Equal(reports.Length * 2, await CountAsync(store, "SELECT COUNT(*) FROM scan_findings"));

        // Read back in a process that has seen none of them (a new store object), then from memory.
        await using var reopened = await ScanStore.OpenAsync(location, Ct);
        for (var i = 0; i < reports.Length; i++)
        {
            Assert.Equal(Json(reports[i] with { ScanId = ids[i] }), Json(await reopened.GetAsync(ids[i], Ct)));
            Assert.Equal(Json(reports[i] with { ScanId = ids[i] }), Json(await store.GetAsync(ids[i], Ct)));
        }

        Assert.All((await reopened.GetAsync(ids[0], Ct))!.Vulnerabilities, v => Assert.Null(v.LayerDiffId));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pruning_scans_removes_the_cores_texts_and_id_lists_only_they_held_and_a_later_scan_needing_them_stores_them_again(bool prunedByAnotherProcess)
    {
        var location = NewLocation();
        await using var store = await ScanStore.OpenAsync(location, Ct);

        // The prune runs in this store object, or in one of its own (another process: its memo of stored keys is not this one's).
        await using var other = await ScanStore.OpenAsync(location, Ct);
        var pruner = prunedByAnotherProcess ? other : store;

        // lodash 4.0 and 4.0.1 meet one advisory: two cores, one text, one id list. Images 1, 3 and 5 hold lodash; the
        // second and third records find the core, text and id list stored, so this process remembers them as stored.
        var advisories = new Dictionary<string, (string Id, string[] Aliases, string Text, string? Fix)[]>(Advisories, StringComparer.Ordinal) { ["lodash@4.0.1"] = Advisories["lodash@4.0"] };
        var withoutLodash = Advisories.Where(a => !a.Key.StartsWith("lodash@", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);
        var images = new[] { Image(1), WithLodash(Image(3), "4.0.1"), Image(5) };
        foreach (var image in images)
        {
            await store.RecordAsync(Match(image, advisories, T0, "db-1", "cli"), Ct);
        }

        // The advisory is withdrawn: each image's next scan finds openssl's and zlib's only, and pruning drops the first scans.
        var kept = new List<(ScanReport Report, string Id)>();
        foreach (var image in images)
        {
            var report = Match(image, withoutLodash, T0.AddDays(1), "db-2", "rescan");
            kept.Add((report, await store.RecordAsync(report, Ct)));
        }

        Assert.Equal(5, await CountAsync(store, "SELECT COUNT(*) FROM finding_cores"));
        Assert.Equal(4, await CountAsync(store, "SELECT COUNT(*) FROM finding_texts"));
        Assert.Equal(3, await pruner.PruneAsync(0, 1, T0.AddDays(2), Ct));

        // openssl's two and zlib's one stay (with their texts and id lists), lodash's go.
        Assert.Equal(3, await CountAsync(store, "SELECT COUNT(*) FROM finding_cores"));
        Assert.Equal(3, await CountAsync(store, "SELECT COUNT(*) FROM finding_texts"));
        Assert.Equal(0, await CountAsync(store, "SELECT COUNT(*) FROM finding_ids WHERE vuln_id IN ('GHSA-bbbb-0002', 'CVE-2026-0002')"));
        Assert.Equal(3, await CountAsync(store, "SELECT COUNT(DISTINCT ids) FROM finding_ids"));
        await using (var reopened = await ScanStore.OpenAsync(location, Ct))
        {
            foreach (var (report, id) in kept)
            {
                Assert.Equal(Json(report with { ScanId = id }), Json(await reopened.GetAsync(id, Ct)));
            }
        }

        // The advisory is back: the first store records lodash 4.0 again, and its core, text and id list are stored anew.
        var later = Match(Image(7), advisories, T0.AddDays(3), "db-3", "cli");
        var laterId = await store.RecordAsync(later, Ct);
        Assert.Equal(4, await CountAsync(store, "SELECT COUNT(*) FROM finding_cores"));
        Assert.Equal(4, await CountAsync(store, "SELECT COUNT(*) FROM finding_texts"));
        await using var fresh = await ScanStore.OpenAsync(location, Ct);
        Assert.Equal(Json(later with { ScanId = laterId }), Json(await fresh.GetAsync(laterId, Ct)));
        Assert.Equal([(laterId, "lodash")], (await fresh.ImpactByVulnerabilityAsync("CVE-2026-0002", Ct)).Select(h => (h.ScanId, h.Package)));
        foreach (var (report, id) in kept)
        {
            Assert.Equal(Json(report with { ScanId = id }), Json(await fresh.GetAsync(id, Ct)));
        }
    }

    /// <summary>The inventory with its lodash at <paramref name="version"/>.</summary>
    private static ImageInventory WithLodash(ImageInventory inventory, string version) => inventory with
    {
        PackageSets = [.. inventory.PackageSets.Select(s => s with { Packages = [.. s.Packages.Select(p => p.Name == "lodash" ? p with { Version = version } : p)] })],
    };

    [Fact]
    public Task A_store_written_with_a_row_per_id_upgrades_and_every_query_answers_as_one_written_now() => UpgradesAsync(SchemaWithARowPerId);

    [Fact]
    public Task A_store_written_with_texts_apart_upgrades_and_every_query_answers_as_one_written_now() => UpgradesAsync(SchemaWithTextsApart);

    private async Task UpgradesAsync(int schema)
    {
        // The same scans in a store written now and in one written as the previous schema did (a finding row per id and alias).
        var now = NewLocation();
        var old = NewLocation();
        var fleet = Enumerable.Range(0, 70).Select(i => Match(Image(i), Advisories, T0.AddSeconds(i), "db-1", "cli")).ToList();
        fleet[3] = fleet[3] with { Policy = new PolicyVerdict { Decision = "block" } };

        // A finding for no package of the report's sets stays in its document (and in scan_vulns), in both schemas.
        var odd = Match(Image(90), Advisories, T0.AddMinutes(5), "db-1", "cli");
        odd = odd with { Vulnerabilities = [.. odd.Vulnerabilities, odd.Vulnerabilities[0] with { PackageName = "gone", InstalledVersion = "0.1" }] };
        var later = Match(Image(1), Advisories, T0.AddDays(1), "db-1", "rescan");
        await using (var store = await ScanStore.OpenAsync(now, Ct))
        {
            await store.RecordAllAsync([.. fleet, odd], Ct);
            await store.RecordAsync(later, Ct);
        }

        // Finding sets in an earlier form read back whole (a JSON list of findings with their texts, or without them).
        await using (var previous = await ScanStore.OpenAsync(old, schema, Ct))
        await using (var source = await ScanStore.OpenAsync(now, Ct))
        {
            await WriteAsPreviousSchemaAsync(source, previous, schema);
        }

        await using var written = await ScanStore.OpenAsync(now, Ct);
        await using var upgraded = await ScanStore.OpenAsync(old, Ct);
        var ids = (await written.ListAsync(new HistoryQuery { Limit = 1000 }, Ct)).Select(s => s.Id).ToList();
        Assert.Equal(72, ids.Count);
        Assert.Equal(Json(await written.ListAsync(new HistoryQuery { Limit = 1000 }, Ct)), Json(await upgraded.ListAsync(new HistoryQuery { Limit = 1000 }, Ct)));
        Assert.Equal(Json(await written.GetManyAsync(ids, Ct)), Json(await upgraded.GetManyAsync(ids, Ct)));
        Assert.Equal(Json(fleet.Select(r => r.Vulnerabilities).ToList()), Json((await upgraded.GetManyAsync(ids, Ct)).Where(r => r!.Trigger == "cli" && r.Image.Reference != odd.Image.Reference).OrderBy(r => r!.CreatedAt).Select(r => r!.Vulnerabilities)));
        foreach (var id in new[] { "CVE-2021-3711", "DSA-5051-1", "GHSA-3711", "CVE-2022-37434", "CVE-2026-0001", "GHSA-bbbb-0002", "CVE-2000-0000" })
        {
            Assert.Equal(Json(Sorted(await written.ImpactByVulnerabilityAsync(id, Ct))), Json(Sorted(await upgraded.ImpactByVulnerabilityAsync(id, Ct))));
        }

        Assert.Equal(71, (await upgraded.ImpactByVulnerabilityAsync("DSA-5051-1", Ct)).Select(h => h.ScanId).Distinct().Count());
        Assert.Equal(Json(await written.ImpactByPackageAsync("left-pad", "1.0", Ct)), Json(await upgraded.ImpactByPackageAsync("left-pad", "1.0", Ct)));
        Assert.Equal(Json(await written.OverviewAsync(Ct)), Json(await upgraded.OverviewAsync(Ct)));
        Assert.Equal(Json(await written.TopVulnerabilitiesAsync(10, Ct)), Json(await upgraded.TopVulnerabilitiesAsync(10, Ct)));
        Assert.Equal(Json(await written.TrendAsync(DateOnly.FromDateTime(T0.UtcDateTime).AddDays(2), 4, Ct)), Json(await upgraded.TrendAsync(DateOnly.FromDateTime(T0.UtcDateTime).AddDays(2), 4, Ct)));
        foreach (var filter in new[]
        {
            new ImageFilter { Search = "DSA-5051-1", Limit = 500 }, new ImageFilter { Search = "GHSA-aaaa-0001", Limit = 500 }, new ImageFilter { Search = "lodash@4.0", Limit = 500 },
            new ImageFilter { Search = "gone", Limit = 500 }, new ImageFilter { HasFix = true, Severity = "HIGH", Limit = 500 }, new ImageFilter { Verdict = "block" },
        })
        {
            Assert.Equal(Json(await written.ImagesAsync(filter, Ct)), Json(await upgraded.ImagesAsync(filter, Ct)));
        }

        var latest = await written.LatestPerImageAsync(Ct);
        Assert.Equal(Json(await written.ReadForJudgingAsync(latest, new JudgedParts(true, true, true, true, true), Ct)),
            Json(await upgraded.ReadForJudgingAsync(latest, new JudgedParts(true, true, true, true, true), Ct)));
        Assert.Equal(await CountAsync(written, "SELECT COUNT(*) FROM finding_rows"), await CountAsync(upgraded, "SELECT COUNT(*) FROM finding_rows"));
        Assert.Equal(await CountAsync(written, "SELECT COUNT(*) FROM finding_ids"), await CountAsync(upgraded, "SELECT COUNT(*) FROM finding_ids"));

        // After the upgrade the store records, repeats and prunes as one written now.
        var scope = new UpdateScope("db-2", (name, _, _, _) => name == "lodash", ["CVE-2022-37434"]);
        foreach (var store in new[] { written, upgraded })
        {
            Assert.Equal(1, await store.PruneAsync(0, 1, T0.AddDays(3), Ct)); // image 1's first scan
            Assert.Empty(await store.RepeatUntouchedAsync("db-1", "test", scope, Rescanner.Trigger, T0.AddDays(2), Ct)); // every image has zlib's finding

            // Lodash's images are named; the others but for the one with a verdict and the one with a finding kept whole are repeated.
            Assert.Equal(35, (await store.RepeatUntouchedAsync("db-1", "test", scope with { Ids = ["CVE-2026-0002"] }, Rescanner.Trigger, T0.AddDays(2), Ct)).Count);
        }

        Assert.Equal(Json(Sorted(await written.ImpactByVulnerabilityAsync("CVE-2026-0001", Ct)).Select(h => (h.Reference, h.Package))),
            Json(Sorted(await upgraded.ImpactByVulnerabilityAsync("CVE-2026-0001", Ct)).Select(h => (h.Reference, h.Package))));
        Assert.Equal(await CountAsync(written, "SELECT COUNT(*) FROM finding_rows"), await CountAsync(upgraded, "SELECT COUNT(*) FROM finding_rows"));
    }

    /// <summary>
    /// Copies a store's scans into a store of an earlier schema as that schema's writer kept them: every table as it
    /// is, but for the finding sets and their rows. Schema 10 kept each set as the JSON list of its whole findings and a
    /// finding row per id and alias; schema 12 each set's findings without their texts (and a row per finding).
    /// </summary>
    private static async Task WriteAsPreviousSchemaAsync(ScanStore source, ScanStore target, int schema)
    {
        await using var from = await source.OpenConnectionAsync(Ct);
        await using var to = await target.OpenConnectionAsync(Ct);
        await using var transaction = await to.BeginTransactionAsync(Ct);
        string[] copied = schema >= SchemaWithTextsApart
            ? ["scans", "package_sets", "set_packages", "scan_sets", "scan_vulns", "scan_packages", "image_latest", "finding_ids", "finding_texts"]
            : ["scans", "package_sets", "set_packages", "scan_sets", "scan_vulns", "scan_packages", "image_latest"];
        foreach (var table in copied)
        {
            await Sql.InsertRowsAsync(to, transaction, $"INSERT INTO {table} ({await ColumnsAsync(from, table)})", await RowsAsync(from, $"SELECT * FROM {table}"), "", Ct);
        }

        // Each set's findings put back together from their cores, texts and places.
        var texts = (await Sql.QueryAsync(from, "SELECT digest, data FROM finding_texts", r => (r.GetString(0), (byte[])r[1]), Ct))
            .ToDictionary(t => t.Item1, t => ContentAddressedBlobs<AdvisoryText>.Decode(t.Item2)!, StringComparer.Ordinal);
        var cores = (await Sql.QueryAsync(from, "SELECT digest, data FROM finding_cores", r => (r.GetString(0), (byte[])r[1]), Ct))
            .ToDictionary(t => t.Item1, t => ContentAddressedBlobs<StoredCore>.Decode(t.Item2)!, StringComparer.Ordinal);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        var oldRows = new List<object?[]>();
        foreach (var (digest, data) in await Sql.QueryAsync(from, "SELECT digest, data FROM finding_sets", r => (r.GetString(0), (byte[])r[1]), Ct))
        {
            var stored = ContentAddressedBlobs<StoredFindings>.Decode(data)!;
            Assert.True(stored.HasCores);
            List<VulnerabilityFinding> whole = [.. stored.Cores.Select((c, i) =>
            {
                var (layer, path) = stored.Place(i);
                var core = cores[c];
                return StoredCore.Place(core.Text.Length == 0 ? core.Finding : texts[core.Text].Restore(core.Finding), layer, path);
            })];
            string oldDigest;
            byte[] json;
            if (schema >= SchemaWithTextsApart)
            {
                var form = new StoredFindings([.. whole.Select(AdvisoryText.Strip)], [.. stored.Cores.Select(c => cores[c].Text)]);
                (oldDigest, json) = ContentAddressedBlobs<StoredFindings>.Serialize(form);
                await Sql.InsertRowsAsync(to, transaction, "INSERT INTO finding_sets (digest, findings, data)", [[oldDigest, whole.Count, ContentAddressedBlobs<StoredFindings>.Compress(json)]], "", Ct);
            }
            else
            {
                (oldDigest, json) = ContentAddressedBlobs<List<VulnerabilityFinding>>.Serialize(whole);
                await Sql.InsertRowsAsync(to, transaction, "INSERT INTO finding_sets (digest, findings, data)", [[oldDigest, whole.Count, ContentAddressedBlobs<List<VulnerabilityFinding>>.Compress(json)]], "", Ct);
                oldRows.AddRange(FindingSetStore.IndexRows(oldDigest, whole));
            }

            renamed[digest] = oldDigest;
        }

        if (schema >= SchemaWithTextsApart)
        {
            var rows = await RowsAsync(from, "SELECT set_digest, primary_id, package, version, type, severity, fixed, status, layer, path, kev, ids FROM finding_rows");
            await Sql.InsertRowsAsync(to, transaction, FindingSetStore.FindingRowsInsert, [.. rows.Select(r => (object?[])[renamed[(string)r[0]!], .. r.Skip(1)])], "", Ct);
        }
        else
        {
            Assert.True(oldRows.Count > renamed.Count);
            await Sql.InsertRowsAsync(to, transaction, "INSERT INTO finding_rows (set_digest, vuln_id, primary_id, package, version, type, severity, fixed, status, layer, path, kev)", oldRows, "", Ct);
        }

        var refs = await RowsAsync(from, "SELECT scan_id, ordinal, set_digest FROM scan_findings");
        await Sql.InsertRowsAsync(to, transaction, "INSERT INTO scan_findings (scan_id, ordinal, set_digest)", [.. refs.Select(r => new object?[] { r[0], r[1], renamed[(string)r[2]!] })], "", Ct);
        await transaction.CommitAsync(Ct);
    }

    private static async Task<string> ColumnsAsync(DbConnection connection, string table)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table} WHERE 1 = 0";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        return string.Join(", ", Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
    }

    private static async Task<List<object?[]>> RowsAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(c => reader.IsDBNull(c) ? null : reader.GetValue(c))]);
        }

        return rows;
    }

    [Fact]
    public async Task A_rematch_after_an_update_rewrites_only_the_sets_it_changes_and_each_image_reads_as_a_fresh_match()
    {
        await using var store = await ScanStore.OpenAsync(NewLocation(), Ct);
        var images = Enumerable.Range(0, 30).Select(Image).ToList();
        await store.RecordAllAsync([.. images.Select((inv, i) => Match(inv, Advisories, T0.AddSeconds(i), "db-1", "cli"))], Ct);
        var setsBefore = await CountAsync(store, "SELECT COUNT(*) FROM finding_sets");
        var rowsBefore = await CountAsync(store, "SELECT COUNT(*) FROM finding_rows");
        var idsBefore = await CountAsync(store, "SELECT COUNT(*) FROM finding_ids");
        var textsBefore = await CountAsync(store, "SELECT COUNT(*) FROM finding_texts");
        var coresBefore = await CountAsync(store, "SELECT COUNT(*) FROM finding_cores");

        // The update rewrites left-pad's advisory (text and fix) and adds an alias to it: the 15 images that have left-pad change.
        var updated = new Dictionary<string, (string Id, string[] Aliases, string Text, string? Fix)[]>(Advisories, StringComparer.Ordinal)
        {
            ["left-pad@1.0"] = [("GHSA-aaaa-0001", ["CVE-2026-0001", "CVE-2026-0009"], "prototype pollution, reviewed", "1.2")],
        };
        var at = T0.AddDays(1);
        var read = new List<string>();
        var scope = new UpdateScope("db-2", (name, _, _, _) => name == "left-pad", ["GHSA-aaaa-0001", "CVE-2026-0001", "CVE-2026-0009"]);
        var results = await new Rescanner(store, (inventory, options, _) =>
        {
            lock (read)
            {
                read.Add(inventory.Image.Reference);
            }

            return Task.FromResult(Match(inventory, updated, at, "db-2", options.Trigger));
        }, null, (since, tool, _, _) => Task.FromResult<UpdateScope?>(since == "db-1" && tool == "test" ? scope : null)) { BatchSize = 7 }
            .RescanAsync(null, new ScanOptions(), Ct);

        // Only the images the update names are read and re-matched; only their application sets are new.
        Assert.Equal(30, results.Count);
        Assert.Equal(Enumerable.Range(0, 30).Where(i => i % 2 == 0).Select(i => $"registry.example/app-{i}:1").Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
        Assert.Equal(setsBefore + 15, await CountAsync(store, "SELECT COUNT(*) FROM finding_sets"));
        Assert.Equal(rowsBefore + 15, await CountAsync(store, "SELECT COUNT(*) FROM finding_rows"));
        Assert.Equal(idsBefore + 3, await CountAsync(store, "SELECT COUNT(*) FROM finding_ids")); // the new list of left-pad's advisory
        Assert.Equal(textsBefore + 1, await CountAsync(store, "SELECT COUNT(*) FROM finding_texts")); // and its new text
        Assert.Equal(coresBefore + 1, await CountAsync(store, "SELECT COUNT(*) FROM finding_cores")); // one core for the 15 images' left-pad finding
        Assert.All(results.Where(r => read.Contains(r.Reference)), r => Assert.Equal((string[])[], r.NewlyVulnerable));

        // Every image's newest scan holds what a fresh match against the update gives, and a store written fresh answers alike.
        await using var fresh = await ScanStore.OpenAsync(NewLocation(), Ct);
        var expected = images.Select(inv => Match(inv, updated, at, "db-2", Rescanner.Trigger)).ToList();
        await fresh.RecordAllAsync(expected, Ct);
        var latest = (await store.LatestPerImageAsync(Ct)).OrderBy(s => s.Reference, StringComparer.Ordinal).ToList();
        var stored = await store.GetManyAsync([.. latest.Select(s => s.Id)], Ct);
        foreach (var (report, want) in stored.Zip(expected.OrderBy(r => r.Image.Reference, StringComparer.Ordinal)))
        {
            Assert.Equal(Json(want.Vulnerabilities), Json(report!.Vulnerabilities));
            Assert.Equal("db-2", report.AdvisoryDbVersion);
        }

        foreach (var id in new[] { "CVE-2026-0009", "CVE-2026-0001", "GHSA-bbbb-0002", "DSA-5051-1" })
        {
            Assert.Equal(Json(Sorted(await fresh.ImpactByVulnerabilityAsync(id, Ct)).Select(h => (h.Reference, h.Package, h.VulnerabilityId, h.FixedVersion))),
                Json(Sorted(await store.ImpactByVulnerabilityAsync(id, Ct)).Select(h => (h.Reference, h.Package, h.VulnerabilityId, h.FixedVersion))));
        }

        Assert.Equal(15, (await store.ImpactByVulnerabilityAsync("CVE-2026-0009", Ct)).Count);
    }
}

public sealed class SqliteFindingRowsTests : FindingRowsContract, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-findings-").FullName;

    protected override string NewLocation() => Path.Combine(_dir, Guid.NewGuid().ToString("N"), "history.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

public sealed class PostgresFindingRowsTests(PostgresServer server) : FindingRowsContract
{
    protected override string NewLocation() => server.NewDatabaseUrl();
}
