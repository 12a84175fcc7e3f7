using Comb.Contracts;
using Comb.VulnDb.Database;
using Comb.VulnDb.Feeds;

namespace Comb.VulnDb.Tests.Database;

[Collection(AdvisoryDbCollection.Name)]
public sealed class AdvisoryDatabaseTests(AdvisoryDbFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-db-").FullName;

    [Fact]
    public void Import_records_schema_build_time_and_per_source_counts()
    {
        using var db = fixture.Open();
        var sources = db.Info.Sources.ToDictionary(s => s.Name, StringComparer.Ordinal);

        Assert.Equal(AdvisoryDbSchema.Version, db.Info.SchemaVersion);
        Assert.Equal(469, sources["osv:npm"].Records);
        Assert.Equal(4292, sources["osv:Go"].Records);
        Assert.Equal(8835, sources["osv:Debian"].Records);
        Assert.Equal(1404, sources["cisa-kev"].Records);
        Assert.Equal(new DateTimeOffset(2023, 4, 1, 0, 0, 0, TimeSpan.Zero), sources["debian"].NewestModified);
        Assert.True(sources["alpine-secdb"].Records > 2000);
        Assert.Null(sources["alpine-secdb"].NewestModified);
        Assert.True(db.IsKnownExploited("CVE-2021-44228"));
        Assert.False(db.IsKnownExploited("CVE-2020-8203"));
    }

    [Fact]
    public void Lookup_is_by_ecosystem_and_normalised_name()
    {
        using var db = fixture.Open();

        Assert.Contains(db.FindAffected("npm", "lodash"), r => r.AdvisoryId == "GHSA-35jh-r3h4-6jhm");
        Assert.Contains(db.FindAffected("Debian:11", "openssl"), r => r.AdvisoryId == "DSA-5343-1");
        Assert.Empty(db.FindAffected("Debian:12", "openssl"));
    }

    [Fact]
    public void Info_command_prints_schema_build_time_and_sources()
    {
        using var db = fixture.Open();
        var output = new StringWriter();

        DbCommandHandlers.WriteInfo(db.Info, db.Info.BuiltAt.AddDays(2), output);

        var text = output.ToString();
        Assert.Contains($"Schema version:  {AdvisoryDbSchema.Version}", text, StringComparison.Ordinal);
        Assert.Contains("(2 days ago)", text, StringComparison.Ordinal);
        Assert.Matches(@"osv:npm\s+469\s+\d{4}-\d{2}-\d{2}T", text);
        Assert.Matches(@"alpine-secdb\s+\d+\s+-", text);
    }

    [Fact]
    public void Missing_database_says_how_to_get_one()
    {
        var ex = Assert.Throws<CombInputException>(() => AdvisoryDatabase.Open(Path.Combine(_dir, "none.db")));
        Assert.Contains("run comb db update or comb db import DIR", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_database_is_reported_clearly()
    {
        var path = Path.Combine(_dir, "comb.db");
        File.WriteAllBytes(path, [.. "SQLite format 3\0"u8, .. new byte[5000]]);
        var truncated = Path.Combine(_dir, "truncated.db");
        var original = File.ReadAllBytes(fixture.RequirePath());
        File.WriteAllBytes(truncated, original.AsSpan(0, original.Length / 3).ToArray());

        var ex = Assert.Throws<CombInputException>(() => AdvisoryDatabase.Open(path));
        var ex2 = Assert.Throws<CombInputException>(() => AdvisoryDatabase.Open(truncated));

        Assert.StartsWith("advisory database is corrupt: ", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("run comb db update", ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("advisory database is corrupt: ", ex2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Interrupted_import_leaves_the_old_database_in_place()
    {
        var dbPath = Path.Combine(_dir, "comb.db");
        File.Copy(fixture.RequirePath(), dbPath);
        var feeds = Directory.CreateDirectory(Path.Combine(_dir, "feeds", "osv", "npm")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(feeds, "all.zip"), "PK\u0003\u0004 not really a zip"u8.ToArray(), TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<CombInputException>(() => new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync(Path.Combine(_dir, "feeds"), dbPath, TestContext.Current.CancellationToken));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var collection = new AdvisoryCollection();
        collection.Add(new Advisory { Id = "X-1" }, "test");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AdvisoryDbWriter.BuildAsync(collection, dbPath, TimeProvider.System, cts.Token));

        Assert.Contains("not a valid zip archive", ex.Message, StringComparison.Ordinal);
        using var reference = fixture.Open();
        using var db = AdvisoryDatabase.Open(dbPath);
        Assert.Equal(reference.Info.AdvisoryCount, db.Info.AdvisoryCount);
        Assert.Equal(["comb.db", "feeds"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Databases_kept_open_between_scans_are_reused_one_scan_at_a_time_and_never_once_the_file_is_replaced()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_dir, "kept.db");
        var first = new AdvisoryCollection();
        first.Add(new Advisory { Id = "X-1" }, "test");
        await AdvisoryDbWriter.BuildAsync(first, path, TimeProvider.System, ct);
        using var databases = new OpenAdvisoryDatabases();

        AdvisoryDatabase opened;
        using (var lease = databases.Take(path))
        {
            opened = lease.Database;
            using var concurrent = databases.Take(path);
            Assert.NotSame(opened, concurrent.Database); // taken while the first is in use
        }

        using (var again = databases.Take(path))
        {
            Assert.Same(opened, again.Database);
            Assert.Equal(1, again.Database.Info.AdvisoryCount);
        }

        // A rebuild replaces the file: the copy open on the old one is not handed out again.
        var second = new AdvisoryCollection();
        second.Add(new Advisory { Id = "X-1" }, "test");
        second.Add(new Advisory { Id = "X-2" }, "test");
        await AdvisoryDbWriter.BuildAsync(second, path, TimeProvider.System, ct);
        using var rebuilt = databases.Take(path);
        Assert.NotSame(opened, rebuilt.Database);
        Assert.Equal(2, rebuilt.Database.Info.AdvisoryCount);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
