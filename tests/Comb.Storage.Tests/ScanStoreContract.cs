using Comb.Contracts;

namespace Comb.Storage.Tests;

/// <summary>The same behaviour checked against every store backend.</summary>
public abstract class ScanStoreContract
{
    protected abstract Task<ScanStore> NewStoreAsync();

    /// <summary>Where a new, empty store can be opened.</summary>
    protected abstract string NewLocation();

    private static readonly DateTimeOffset T0 = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Records_and_reads_back_a_report()
    {
        var store = await NewStoreAsync();
        var report = Reports.Of("registry.example/app:1", "sha256:" + new string('1', 64), T0, [("openssl", "1.1.1k"), ("zlib", "1.2")], [("CVE-2021-3711", "openssl", "1.1.1k")], "block");

        var id = await store.RecordAsync(report, Ct);
        var back = await store.GetAsync(id, Ct);

        Assert.NotNull(back);
        Assert.Equal(id, back.ScanId);
        Assert.Equal(["openssl", "zlib"], back.Packages.Select(p => p.Name));
        Assert.Equal("CVE-2021-3711", back.Vulnerabilities.Single().Id);
        var listed = Assert.Single(await store.ListAsync(new HistoryQuery { Image = "registry.example/app:1" }, Ct));
        Assert.Equal(1, listed.High);
        Assert.Equal("block", listed.Verdict);
        Assert.Equal(2, listed.Packages);
    }

    [Fact]
    public async Task A_batch_recorded_together_reads_back_together_as_each_scan_reads_alone()
    {
        var store = await NewStoreAsync();
        var d1 = "sha256:" + new string('1', 64);
        var d2 = "sha256:" + new string('2', 64);
        var shared = Reports.Of("registry.example/app:1", d1, T0, [("openssl", "1.1.1k"), ("zlib", "1.2")], [("CVE-2021-3711", "openssl", "1.1.1k")], "block");

        // Two scans of one image in one batch (the later one is its latest), and an image with other findings.
        var ids = await store.RecordAllAsync([shared, shared with { CreatedAt = T0.AddHours(1) },
            Reports.Of("registry.example/other:1", d2, T0, [("zlib", "1.2")], [("CVE-2018-25032", "zlib", "1.2")])], Ct);
        var many = await store.GetManyAsync([ids[2], "0000000000000000", ids[0], ids[1]], Ct);

        Assert.Null(many[1]);
        foreach (var (id, read) in new[] { (ids[2], many[0]), (ids[0], many[2]), (ids[1], many[3]) })
        {
            var alone = await store.GetAsync(id, Ct);
            Assert.NotNull(read);
            Assert.Equal(id, read.ScanId);
            Assert.Equal(alone!.Packages.Select(p => $"{p.Name}@{p.Version}"), read.Packages.Select(p => $"{p.Name}@{p.Version}"));
            Assert.Equal(alone.Vulnerabilities.Select(v => v.Id), read.Vulnerabilities.Select(v => v.Id));
        }

        Assert.Equal(["CVE-2018-25032"], many[0]!.Vulnerabilities.Select(v => v.Id));
        var hits = await store.ImpactByVulnerabilityAsync("CVE-2021-3711", Ct);
        Assert.Equal(ids[1], Assert.Single(hits).ScanId);
        var zlib = await store.ImpactByPackageAsync("zlib", "1.2", Ct);
        Assert.Equal(new[] { ids[1], ids[2] }.Order(StringComparer.Ordinal), zlib.Select(h => h.ScanId).Order(StringComparer.Ordinal));
        var listed = await store.ListAsync(new HistoryQuery { Image = d1 }, Ct);
        Assert.Equal([1, 1], listed.Select(s => s.High));
    }

    [Fact]
    public async Task History_filters_by_reference_repository_and_digest_newest_first()
    {
        var store = await NewStoreAsync();
        var d1 = "sha256:" + new string('1', 64);
        var d2 = "sha256:" + new string('2', 64);
        await store.RecordAsync(Reports.Of("registry.example/app:1", d1, T0, [("a", "1")]), Ct);
        await store.RecordAsync(Reports.Of("registry.example/app:2", d2, T0.AddHours(1), [("a", "2")]), Ct);
        await store.RecordAsync(Reports.Of("registry.example/other:1", "sha256:" + new string('3', 64), T0.AddHours(2), [("b", "1")]), Ct);

        var byRepo = await store.ListAsync(new HistoryQuery { Image = "registry.example/app" }, Ct);
        var byDigest = await store.ListAsync(new HistoryQuery { Image = d1 }, Ct);
        var all = await store.ListAsync(new HistoryQuery(), Ct);

        Assert.Equal(["registry.example/app:2", "registry.example/app:1"], byRepo.Select(s => s.Reference));
        Assert.Equal("registry.example/app:1", Assert.Single(byDigest).Reference);
        Assert.Equal(3, all.Count);
        Assert.Equal("registry.example/other:1", all[0].Reference);
    }

    [Fact]
    public async Task Impact_uses_the_latest_scan_of_each_image_and_any_alias()
    {
        var store = await NewStoreAsync();
        var d1 = "sha256:" + new string('1', 64);
        var d2 = "sha256:" + new string('2', 64);
        await store.RecordAsync(Reports.Of("registry.example/app:1", d1, T0, [("openssl", "1.1.1k")], [("CVE-2021-3711", "openssl", "1.1.1k")]), Ct);
        await store.RecordAsync(Reports.Of("registry.example/app:1", d1, T0.AddDays(1), [("openssl", "1.1.1l")]), Ct);
        await store.RecordAsync(Reports.Of("registry.example/web:3", d2, T0, [("openssl", "1.1.1k")], [("CVE-2021-3711", "openssl", "1.1.1k")]), Ct);

        var byCve = await store.ImpactByVulnerabilityAsync("CVE-2021-3711", Ct);
        var byAlias = await store.ImpactByVulnerabilityAsync("DSA-2021-3711", Ct);
        var byPackage = await store.ImpactByPackageAsync("openssl", "1.1.1k", Ct);
        var anyVersion = await store.ImpactByPackageAsync("openssl", null, Ct);

        Assert.Equal("registry.example/web:3", Assert.Single(byCve).Reference);
        Assert.Equal("CVE-2021-3711", Assert.Single(byAlias).VulnerabilityId);
        Assert.Equal("registry.example/web:3", Assert.Single(byPackage).Reference);
        Assert.Equal(2, anyVersion.Count);
        Assert.Equal("var/lib/dpkg/status", byCve[0].Path);
    }

    [Fact]
    public async Task Diff_and_trace_follow_findings_over_time()
    {
        var store = await NewStoreAsync();
        var digest = "sha256:" + new string('1', 64);
        var first = await store.RecordAsync(Reports.Of("registry.example/app:1", digest, T0, [("openssl", "1.1.1k")], verdict: "pass"), Ct);
        var second = await store.RecordAsync(Reports.Of("registry.example/app:1", digest, T0.AddDays(1), [("openssl", "1.1.1k"), ("curl", "7.1")],
            [("CVE-2021-3711", "openssl", "1.1.1k")], "block"), Ct);
        var third = await store.RecordAsync(Reports.Of("registry.example/app:1", digest, T0.AddDays(2), [("openssl", "1.1.1l"), ("curl", "7.1")], verdict: "pass"), Ct);

        var diff = ScanDiff.Compare((await store.GetAsync(first, Ct))!, (await store.GetAsync(second, Ct))!);
        var trace = await ImageTrace.BuildAsync(store, digest, Ct);

        Assert.Equal(["deb:curl@7.1"], diff.AddedPackages);
        Assert.Equal(["CVE-2021-3711 openssl@1.1.1k"], diff.NewVulnerabilities);
        Assert.True(diff.VerdictChanged);
        Assert.Equal(T0, trace.FirstSeen);
        Assert.Equal(3, trace.Scans.Count);
        Assert.Contains(trace.Events, e => e.ScanId == second && e.Kind == "appeared" && e.What.StartsWith("CVE-2021-3711", StringComparison.Ordinal));
        Assert.Contains(trace.Events, e => e.ScanId == third && e.Kind == "disappeared" && e.What.StartsWith("CVE-2021-3711", StringComparison.Ordinal));
        Assert.Contains(trace.Events, e => e.ScanId == second && e.Kind == "verdict" && e.What == "pass -> block");
    }

    [Fact]
    public async Task Rescan_rematches_stored_inventories_without_layers_and_reports_new_findings()
    {
        var store = await NewStoreAsync();
        var digest = "sha256:" + new string('1', 64);
        var first = await store.RecordAsync(Reports.Of("registry.example/app:1", digest, T0, [("openssl", "1.1.1k")]), Ct);

        // The "new advisory DB" knows a CVE for the stored openssl version; matching sees only the stored inventory.
        var seen = new List<ImageInventory>();
        var rescanner = new Rescanner(store, (inventory, options, _) =>
        {
            seen.Add(inventory);
            var context = new ScanContext(inventory, options)
            {
                Vulnerabilities = [.. inventory.Packages.Where(p => p.Name == "openssl").Select(p => new VulnerabilityFinding
                {
                    Id = "CVE-2099-0001", PackageName = p.Name, PackageType = p.Type, InstalledVersion = p.Version, Severity = Severity.Critical,
                })],
            };
            return Task.FromResult(context.ToReport());
        });

        var results = await rescanner.RescanAsync(null, new ScanOptions { NoStore = true }, Ct);

        var result = Assert.Single(results);
        Assert.Equal(first, result.PreviousScanId);
        Assert.Equal(["CVE-2099-0001 openssl@1.1.1k"], result.NewlyVulnerable);
        Assert.Equal("openssl", Assert.Single(seen).Packages.Single().Name);
        Assert.Equal(2, (await store.ListAsync(new HistoryQuery { Image = digest }, Ct)).Count);
        Assert.Equal("rescan", (await store.GetAsync(result.ScanId, Ct))!.Trigger);
    }

    [Fact]
    public async Task A_rescan_of_more_images_than_a_batch_records_every_recheck_whole_in_order_and_a_failure_leaves_only_whole_batches()
    {
        var store = await NewStoreAsync();
        const int batch = 40;
        var count = (2 * batch) + 15;
        await store.RecordAllAsync([.. Enumerable.Range(0, count).Select(i => Reports.Of($"registry.example/app-{i:D4}:1", "sha256:" + i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture),
            T0.AddSeconds(i), [("openssl", "1.1.1k"), ($"own-{i}", "1.0")]))], Ct);

        // The "new database" knows a CVE for openssl and one for every third image's own package.
        static ScanReport Match(ImageInventory inventory, ScanOptions options) => new ScanContext(inventory, options)
        {
            Vulnerabilities = [.. inventory.Packages.Where(p => p.Name == "openssl" || (p.Name.StartsWith("own-", StringComparison.Ordinal) && int.Parse(p.Name[4..], System.Globalization.CultureInfo.InvariantCulture) % 3 == 0))
                .Select(p => new VulnerabilityFinding
                {
                    Id = p.Name == "openssl" ? "CVE-2099-0001" : $"CVE-2099-{p.Name[4..]}", PackageName = p.Name, PackageType = p.Type, InstalledVersion = p.Version,
                    Severity = Severity.High, LayerDiffId = p.LayerDiffId, Path = p.Path,
                })],
        }.ToReport();

        var results = await new Rescanner(store, (inventory, options, _) => Task.FromResult(Match(inventory, options))) { BatchSize = batch }.RescanAsync(null, new ScanOptions { NoStore = true }, Ct);

        Assert.Equal(Enumerable.Range(0, count).Select(i => $"registry.example/app-{i:D4}:1"), results.Select(r => r.Reference));
        var rechecks = await store.GetManyAsync([.. results.Select(r => r.ScanId)], Ct);
        for (var i = 0; i < count; i++)
        {
            var expected = i % 3 == 0 ? (string[])["CVE-2099-0001 openssl@1.1.1k", $"CVE-2099-{i} own-{i}@1.0"] : ["CVE-2099-0001 openssl@1.1.1k"];
            Assert.Equal(expected.Order(StringComparer.Ordinal), results[i].NewlyVulnerable);
            var read = rechecks[i]!;
            var fresh = Match(ImageInventory.Of(read), new ScanOptions());
            Assert.Equal(fresh.Vulnerabilities.Select(v => ScanDiff.VulnKey(v)), read.Vulnerabilities.Select(v => ScanDiff.VulnKey(v)));
            Assert.Equal("rescan", read.Trigger);
        }

        Assert.Equal(count, (await store.ImpactByVulnerabilityAsync("CVE-2099-0001", Ct)).Count);

        // A re-check that fails in the third batch: the two batches before it are recorded whole, nothing of the third.
        var checkedSoFar = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => new Rescanner(store, (inventory, options, _) =>
            ++checkedSoFar > (2 * batch) + 10 ? throw new InvalidOperationException("stage failed") : Task.FromResult(Match(inventory, options))) { BatchSize = batch }
            .RescanAsync(null, new ScanOptions { NoStore = true }, Ct));
        var rescans = (await store.ListAsync(new HistoryQuery { Limit = 10 * count }, Ct)).Count(s => s.Trigger == "rescan");
        Assert.Equal(count + (2 * batch), rescans);
    }

    [Fact]
    public async Task Prune_keeps_recent_scans_and_the_newest_per_image()
    {
        var store = await NewStoreAsync();
        var digest = "sha256:" + new string('1', 64);
        var now = T0.AddDays(100);
        for (var i = 0; i < 5; i++)
        {
            await store.RecordAsync(Reports.Of("registry.example/app:1", digest, T0.AddDays(i), [("a", "1")]), Ct);
        }

        await store.RecordAsync(Reports.Of("registry.example/app:1", digest, now.AddDays(-1), [("a", "1")]), Ct);
        await store.RecordAsync(Reports.Of("registry.example/old:1", "sha256:" + new string('9', 64), T0, [("a", "1")]), Ct);

        var removed = await store.PruneAsync(keepDays: 30, keepLast: 2, now, Ct);

        Assert.Equal(4, removed);
        Assert.Equal(2, (await store.ListAsync(new HistoryQuery { Image = digest }, Ct)).Count);
        Assert.Single(await store.ListAsync(new HistoryQuery { Image = "registry.example/old:1" }, Ct));
        Assert.Empty(await store.ImpactByPackageAsync("zzz", null, Ct));
    }

    [Fact]
    public async Task Concurrent_writers_never_corrupt_the_store()
    {
        var store = await NewStoreAsync();
        var writes = Enumerable.Range(0, 24).Select(i => Task.Run(() => store.RecordAsync(
            Reports.Of($"registry.example/app:{i % 4}", "sha256:" + (i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(64, '0'), T0.AddMinutes(i),
                [.. Enumerable.Range(0, 50).Select(p => ($"pkg{p}", "1.0"))], [("CVE-2021-0001", "pkg1", "1.0")]), Ct)));

        var ids = await Task.WhenAll(writes);

        Assert.Equal(24, ids.Distinct().Count());
        Assert.Equal(24, (await store.ListAsync(new HistoryQuery { Limit = 1000 }, Ct)).Count);
        Assert.Equal(4, (await store.LatestPerImageAsync(Ct)).Count);
        Assert.Equal(4, (await store.ImpactByVulnerabilityAsync("CVE-2021-0001", Ct)).Count);
    }

    [Fact]
    public async Task Package_sets_shared_by_images_are_stored_once_and_read_back_whole()
    {
        var store = await NewStoreAsync();
        var packages = new[] { ("openssl", "1.1.1k"), ("zlib", "1.2") };
        var a = await store.RecordAsync(Reports.Of("registry.example/a:1", "sha256:" + new string('1', 64), T0, packages), Ct);
        var b = await store.RecordAsync(Reports.Of("registry.example/b:1", "sha256:" + new string('2', 64), T0, packages), Ct);
        var c = await store.RecordAsync(Reports.Of("registry.example/c:1", "sha256:" + new string('3', 64), T0, [("openssl", "3.0.2")]), Ct);

        await using var connection = await store.OpenConnectionAsync(Ct);
        var sets = await Sql.QueryAsync(connection, "SELECT COUNT(*) FROM package_sets", r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Ct);
        var rows = await Sql.QueryAsync(connection, "SELECT COUNT(*) FROM set_packages", r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Ct);

        Assert.Equal(2, sets[0]);
        Assert.Equal(3, rows[0]);
        Assert.Equal(["openssl@1.1.1k", "zlib@1.2"], (await store.GetAsync(b, Ct))!.Packages.Select(p => $"{p.Name}@{p.Version}"));
        Assert.Equal(["openssl@3.0.2"], (await store.GetAsync(c, Ct))!.Packages.Select(p => $"{p.Name}@{p.Version}"));
        Assert.Equal(["registry.example/a:1", "registry.example/b:1"], (await store.ImpactByPackageAsync("openssl", "1.1.1k", Ct)).Select(h => h.Reference));
        Assert.NotEqual(a, b);
    }

    [Fact]
    public async Task Sets_are_kept_under_the_sha256_of_their_json_gzipped_and_read_back_by_another_process()
    {
        var location = NewLocation();
        var report = Reports.Of("registry.example/a:1", "sha256:" + new string('1', 64), T0, [("openssl", "1.1.1k"), ("zlib", "1.2")], [("CVE-2021-3711", "openssl", "1.1.1k")]);
        string id;
        var stored = new List<(string Digest, byte[] Data)>();
        await using (var writer = await ScanStore.OpenAsync(location, Ct))
        {
            id = await writer.RecordAsync(report, Ct);
            await using var connection = await writer.OpenConnectionAsync(Ct);
            foreach (var table in new[] { "package_sets", "finding_sets" })
            {
                stored.AddRange(await Sql.QueryAsync(connection, $"SELECT digest, data FROM {table}", r => (r.GetString(0), (byte[])r[1]), Ct));
            }
        }

        Assert.Equal(2, stored.Count);
        foreach (var (digest, data) in stored)
        {
            using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(data), System.IO.Compression.CompressionMode.Decompress);
            using var json = new MemoryStream();
            await gzip.CopyToAsync(json, Ct);
            Assert.Equal("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(json.ToArray())), digest);
        }

        // A store opened afresh has nothing in memory: the sets come from the tables.
        await using var reader = await ScanStore.OpenAsync(location, Ct);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(report with { ScanId = id }), System.Text.Json.JsonSerializer.Serialize(await reader.GetAsync(id, Ct)));
    }

    [Fact]
    public async Task A_fleet_written_in_bulk_reads_back_whole_and_finding_lists_one_finding_apart_are_stored_apart()
    {
        var store = await NewStoreAsync();

        // More scans and rows in one batch than a bulk write (PostgreSQL's COPY) takes over at.
        var fleet = Enumerable.Range(0, 90).Select(i => Reports.Of($"registry.example/app-{i}:1", "sha256:" + i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture), T0.AddSeconds(i),
            [("openssl", "1.1.1k"), ("zlib", "1.2"), ($"own-{i}", "1.0")],
            [("CVE-2021-3711", "openssl", "1.1.1k"), ("CVE-2022-37434", "zlib", "1.2"), ($"CVE-2026-{1000 + i}", $"own-{i}", "1.0")])).ToList();
        var ids = await store.RecordAllAsync(fleet, Ct);
        var back = await store.GetManyAsync(ids, Ct);
        for (var i = 0; i < fleet.Count; i++)
        {
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(fleet[i] with { ScanId = ids[i] }), System.Text.Json.JsonSerializer.Serialize(back[i]));
        }

        Assert.Equal(90, (await store.ImpactByVulnerabilityAsync("DSA-2021-3711", Ct)).Count);
        Assert.Equal("registry.example/app-7:1", Assert.Single(await store.ImpactByVulnerabilityAsync("CVE-2026-1007", Ct)).Reference);

        // Re-recorded as read (the same finding objects), with one finding changed, and with one finding fewer: each reads back as given.
        var read = back[7]!;
        var changed = read with { CreatedAt = T0.AddDays(1), Vulnerabilities = [.. read.Vulnerabilities.Select((v, k) => k == 1 ? v with { Severity = Severity.Critical } : v)] };
        var fewer = read with { CreatedAt = T0.AddDays(2), Vulnerabilities = [.. read.Vulnerabilities.Where(v => v.Id != "CVE-2026-1007")] };
        var again = await store.RecordAllAsync([read with { CreatedAt = T0.AddHours(12) }, changed, fewer], Ct);
        var reread = await store.GetManyAsync(again, Ct);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(read with { ScanId = again[0], CreatedAt = T0.AddHours(12) }), System.Text.Json.JsonSerializer.Serialize(reread[0]));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(changed with { ScanId = again[1] }), System.Text.Json.JsonSerializer.Serialize(reread[1]));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(fewer with { ScanId = again[2] }), System.Text.Json.JsonSerializer.Serialize(reread[2]));
        Assert.Equal(Severity.Critical, reread[1]!.Vulnerabilities[1].Severity);
        Assert.Empty(await store.ImpactByVulnerabilityAsync("CVE-2026-1007", Ct)); // the newest scan of app-7 no longer has it
        var diff = ScanDiff.Vulnerabilities(reread[0]!, reread[2]!);
        Assert.Equal((string[])[], diff.New);
        Assert.Equal(["CVE-2026-1007 own-7@1.0"], diff.Fixed);
        Assert.Equal(ScanDiff.Compare(reread[0]!, reread[2]!).FixedVulnerabilities, diff.Fixed);
        Assert.Equal(ScanDiff.Vulnerabilities(reread[2]!, reread[0]!).New, ScanDiff.Compare(reread[2]!, reread[0]!).NewVulnerabilities);
        Assert.Equal(((string[])[], (string[])[]), (ScanDiff.Vulnerabilities(read, reread[0]!).New.ToArray(), ScanDiff.Vulnerabilities(read, reread[0]!).Fixed.ToArray()));
    }

    [Fact]
    public async Task Findings_shared_by_images_and_rechecks_are_stored_once_and_found_by_impact()
    {
        var store = await NewStoreAsync();
        var packages = new[] { ("openssl", "1.1.1k"), ("zlib", "1.2") };
        var vulns = new[] { ("CVE-2021-3711", "openssl", "1.1.1k"), ("CVE-2022-37434", "zlib", "1.2") };
        var a = Reports.Of("registry.example/a:1", "sha256:" + new string('1', 64), T0, packages, vulns, "block");
        var idA = await store.RecordAsync(a, Ct);
        var ids = await store.RecordAllAsync(
        [
            Reports.Of("registry.example/b:1", "sha256:" + new string('2', 64), T0, packages, vulns),
            a with { CreatedAt = T0.AddHours(1), Trigger = "rescan" },
        ], Ct);

        // A finding for a package none of the report's sets holds cannot be split: it stays in the report document.
        var odd = Reports.Of("registry.example/c:1", "sha256:" + new string('3', 64), T0, [("openssl", "3.0.2")], [("CVE-2021-3711", "openssl", "1.1.1k")]);
        var idC = await store.RecordAsync(odd, Ct);

        await using var connection = await store.OpenConnectionAsync(Ct);
        async Task<long> CountAsync(string sql) => (await Sql.QueryAsync(connection, sql, r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Ct))[0];
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM finding_sets"));
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM finding_rows")); // two findings, a row each
        Assert.Equal(4, await CountAsync("SELECT COUNT(*) FROM finding_ids")); // each finding's id list once: its CVE and its DSA alias
        Assert.Equal(3, await CountAsync("SELECT COUNT(*) FROM scan_findings"));
        Assert.Equal(2, await CountAsync("SELECT COUNT(*) FROM scan_vulns WHERE scan_id = '" + idC + "'"));

        var back = await store.GetAsync(ids[1], Ct);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a with { CreatedAt = T0.AddHours(1), Trigger = "rescan", ScanId = ids[1] }), System.Text.Json.JsonSerializer.Serialize(back));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(odd with { ScanId = idC }), System.Text.Json.JsonSerializer.Serialize(await store.GetAsync(idC, Ct)));

        // The latest scan of each image, whether its findings are in finding sets or in its report.
        var hits = await store.ImpactByVulnerabilityAsync("DSA-2021-3711", Ct);
        Assert.Equal([(ids[1], "registry.example/a:1"), (ids[0], "registry.example/b:1"), (idC, "registry.example/c:1")], hits.Select(h => (h.ScanId, h.Reference)));
        Assert.All(hits, h => Assert.Equal("CVE-2021-3711", h.VulnerabilityId));
        Assert.NotEqual(idA, ids[1]);

        // Pruning the first scan of image a keeps the finding set the others still refer to.
        Assert.Equal(1, await store.PruneAsync(0, 1, T0.AddDays(1), Ct));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM finding_sets"));
        Assert.Equal(["registry.example/a:1", "registry.example/b:1"], (await store.ImpactByVulnerabilityAsync("CVE-2022-37434", Ct)).Select(h => h.Reference));
    }

    [Fact]
    public async Task A_store_from_before_package_sets_upgrades_and_reads_queries_and_rechecks_its_old_scans()
    {
        var location = NewLocation();
        var old = Reports.Of("registry.example/app:1", "sha256:" + new string('1', 64), T0, [("openssl", "1.1.1k"), ("zlib", "1.2")], [("CVE-2021-3711", "openssl", "1.1.1k")]);
        string id;
        await using (var legacy = await ScanStore.OpenAsync(location, LegacyStore.SchemaBeforePackageSets, Ct))
        {
            id = await LegacyStore.RecordAsync(legacy, old, LegacyStore.Id(1), Ct);
        }

        await using var store = await ScanStore.OpenAsync(location, Ct);
        var back = await store.GetAsync(id, Ct);
        await store.RecordAsync(Reports.Of("registry.example/new:1", "sha256:" + new string('2', 64), T0.AddDays(1), [("openssl", "1.1.1k")]), Ct);
        var impact = await store.ImpactByPackageAsync("openssl", "1.1.1k", Ct);
        var rechecked = await new Rescanner(store, (inventory, options, _) => Task.FromResult(new ScanContext(inventory, options).ToReport()))
            .RescanAsync(["registry.example/app:1"], new ScanOptions { NoStore = true }, Ct);
        var after = await store.GetAsync(Assert.Single(rechecked).ScanId, Ct);

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(old with { ScanId = id }), System.Text.Json.JsonSerializer.Serialize(back));
        Assert.Equal(["registry.example/app:1", "registry.example/new:1"], impact.Select(h => h.Reference));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(old.PackageSets), System.Text.Json.JsonSerializer.Serialize(after!.PackageSets));
        Assert.Equal(["registry.example/app:1", "registry.example/new:1"], (await store.ImpactByPackageAsync("openssl", "1.1.1k", Ct)).Select(h => h.Reference));
    }

    [Fact]
    public async Task A_recheck_that_finds_what_was_stored_is_a_repeat_that_reads_queries_and_diffs_as_a_whole_record()
    {
        var store = await NewStoreAsync();
        var d1 = "sha256:" + new string('1', 64);
        var d2 = "sha256:" + new string('2', 64);
        var a = Reports.Of("registry.example/a:1", d1, T0, [("openssl", "1.1.1k"), ("zlib", "1.2")], [("CVE-2021-3711", "openssl", "1.1.1k")]) with { AdvisoryDbVersion = "db-1" };
        var b = Reports.Of("registry.example/b:1", d2, T0, [("zlib", "1.2")], [("CVE-2018-25032", "zlib", "1.2")]) with { AdvisoryDbVersion = "db-1" };
        var stored = await store.RecordAllAsync([a, b], Ct);
        var originals = new Dictionary<string, ScanReport>(StringComparer.Ordinal) { [d1] = a, [d2] = b };

        // The re-check finds the same for image a, and one more finding for image b.
        var at = T0.AddDays(1);
        Task<ScanReport> Stages(ImageInventory inventory, ScanOptions options)
        {
            var before = originals[inventory.Image.ManifestDigest!];
            var extra = before == b ? new[] { before.Vulnerabilities[0] with { Id = "CVE-2022-37434", Aliases = [] } } : [];
            return Task.FromResult(before with
            {
                CreatedAt = at, AdvisoryDbVersion = "db-2", Trigger = options.Trigger, PackageSets = inventory.PackageSets,
                Vulnerabilities = [.. before.Vulnerabilities, .. extra],
            });
        }

        var results = await new Rescanner(store, (inventory, options, _) => Stages(inventory, options)).RescanAsync(null, new ScanOptions(), Ct);
        var repeat = results.Single(r => r.Reference == a.Image.Reference);
        var whole = results.Single(r => r.Reference == b.Image.Reference);
        Assert.Equal(stored[0], repeat.PreviousScanId);
        Assert.Empty(repeat.NewlyVulnerable);
        Assert.Equal(["CVE-2022-37434 zlib@1.2"], whole.NewlyVulnerable);

        await using var connection = await store.OpenConnectionAsync(Ct);
        async Task<long> CountAsync(string sql) => (await Sql.QueryAsync(connection, sql, r => Convert.ToInt64(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Ct))[0];
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM scans WHERE same_as IS NOT NULL"));
        Assert.Equal(0, await CountAsync($"SELECT LENGTH(report) FROM scans WHERE id = '{repeat.ScanId}'"));

        // What recording the same re-check whole gives, in a store of its own.
        await using var reference = await ScanStore.OpenAsync(NewLocation(), Ct);
        var expected = a with { CreatedAt = at, AdvisoryDbVersion = "db-2", Trigger = Rescanner.Trigger };
        var wholeIds = await reference.RecordAllAsync([a, expected], Ct);
        string Json(ScanReport? r, string id) => System.Text.Json.JsonSerializer.Serialize(r! with { ScanId = id });

        // The report, history line, diff, timeline and impact of the repeat are those of the whole record.
        var read = await store.GetAsync(repeat.ScanId, Ct);
        Assert.Equal(repeat.ScanId, read!.ScanId);
        Assert.Equal(Json(await reference.GetAsync(wholeIds[1], Ct), "x"), Json(read, "x"));
        Assert.Equal((await store.GetManyAsync([repeat.ScanId], Ct))[0] is { } many ? Json(many, "x") : null, Json(read, "x"));
        var line = (await store.ListAsync(new HistoryQuery { Image = d1 }, Ct))[0];
        var expectedLine = (await reference.ListAsync(new HistoryQuery { Image = d1 }, Ct))[0];
        Assert.Equal(expectedLine with { Id = line.Id }, line);
        Assert.Equal(repeat.ScanId, line.Id);
        var diff = ScanDiff.Compare((await store.GetAsync(stored[0], Ct))!, read);
        var expectedDiff = ScanDiff.Compare((await reference.GetAsync(wholeIds[0], Ct))!, (await reference.GetAsync(wholeIds[1], Ct))!);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(expectedDiff with { From = "", To = "" }), System.Text.Json.JsonSerializer.Serialize(diff with { From = "", To = "" }));
        Assert.Equal([stored[0], repeat.ScanId], (await store.TimelineAsync(d1, Ct)).Select(s => s.Id));
        Assert.Equal([(repeat.ScanId, "openssl")], (await store.ImpactByVulnerabilityAsync("DSA-2021-3711", Ct)).Select(h => (h.ScanId, h.Package)));
        Assert.Equal([repeat.ScanId], (await store.ImpactByPackageAsync("zlib", "1.2", Ct)).Where(h => h.Digest == d1).Select(h => h.ScanId));
        Assert.Contains(repeat.ScanId, (await store.LatestPerImageAsync(Ct)).Select(s => s.Id));
        var page = await store.ImagesAsync(new ImageFilter { Search = "CVE-2021-3711", HasFix = true }, Ct);
        Assert.Equal([repeat.ScanId], page.Items.Select(i => i.Id));

        // A repeat of a repeat reads the document recorded whole; pruning the scans it shares it with keeps it readable.
        at = T0.AddDays(2);
        var again = (await new Rescanner(store, (inventory, options, _) => Stages(inventory, options)).RescanAsync([d1], new ScanOptions(), Ct)).Single();
        Assert.Equal(2, await CountAsync($"SELECT COUNT(*) FROM scans WHERE same_as = '{stored[0]}'"));
        var third = await store.GetAsync(again.ScanId, Ct);
        Assert.Equal(3, await store.PruneAsync(0, 1, T0.AddDays(3), Ct));
        Assert.Equal(Json(third, again.ScanId), Json(await store.GetAsync(again.ScanId, Ct), again.ScanId));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM scans WHERE same_as IS NOT NULL"));
        Assert.Equal(T0.AddDays(2), (await store.GetAsync(again.ScanId, Ct))!.CreatedAt);
    }

    [Fact]
    public async Task After_an_update_a_rescan_repeats_unread_only_the_images_no_change_names()
    {
        var store = await NewStoreAsync();
        var d1 = "sha256:" + new string('1', 64);
        var d2 = "sha256:" + new string('2', 64);
        var d3 = "sha256:" + new string('3', 64);
        var a = Reports.Of("registry.example/a:1", d1, T0, [("openssl", "1.1.1k")], [("CVE-2021-3711", "openssl", "1.1.1k")]) with { AdvisoryDbVersion = "db-1" };
        var b = Reports.Of("registry.example/b:1", d2, T0, [("zlib", "1.2")]) with { AdvisoryDbVersion = "db-1" };
        var c = Reports.Of("registry.example/c:1", d3, T0, [("curl", "7.0")], [("CVE-2023-0001", "curl", "7.0")]) with { AdvisoryDbVersion = "db-1" };
        await store.RecordAllAsync([a, b, c], Ct);

        // The update names zlib, and changes a record known by CVE-2023-0001: image a alone is not read again.
        var scope = new UpdateScope("db-2", (name, type, source, purl) => name == "zlib", ["CVE-2023-0001"]);
        var read = new List<string>();
        var results = await new Rescanner(store, (inventory, options, _) =>
        {
            read.Add(inventory.Image.Reference);
            var before = new[] { a, b, c }.Single(r => r.Image.ManifestDigest == inventory.Image.ManifestDigest);
            return Task.FromResult(before with { CreatedAt = T0.AddDays(1), AdvisoryDbVersion = "db-2", Trigger = options.Trigger, PackageSets = inventory.PackageSets });
        }, null, (since, tool, _, _) => Task.FromResult<UpdateScope?>(since == "db-1" && tool == "test" ? scope : null)).RescanAsync(null, new ScanOptions(), Ct);

        Assert.Equal(["registry.example/b:1", "registry.example/c:1"], read.Order(StringComparer.Ordinal));
        Assert.Equal(["registry.example/a:1", "registry.example/b:1", "registry.example/c:1"], results.Select(r => r.Reference));
        var repeated = await store.GetAsync(results[0].ScanId, Ct);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(a with { ScanId = results[0].ScanId, AdvisoryDbVersion = "db-2", Trigger = Rescanner.Trigger, CreatedAt = repeated!.CreatedAt }),
            System.Text.Json.JsonSerializer.Serialize(repeated));
        Assert.Equal(["db-2", "db-2", "db-2"], (await store.LatestPerImageAsync(Ct)).Select(s => s.DbVersion));
        Assert.Equal([results[0].ScanId], (await store.ImpactByVulnerabilityAsync("CVE-2021-3711", Ct)).Select(h => h.ScanId));
    }
}
