using Comb.Contracts;
using Comb.VulnDb.Database;

namespace Comb.VulnDb.Tests.Database;

[Collection(AdvisoryDbCollection.Name)]
public sealed class DbUpdaterTests(AdvisoryDbFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-update-").FullName;

    private static DbUpdateOptions Mirror(string url, int attempts = 3) => new() { Mirror = url, MaxAttempts = attempts, RetryDelay = TimeSpan.Zero };

    [Fact]
    public async Task Update_from_a_mirror_retries_a_500_and_a_truncated_download_and_builds_the_same_database_as_import()
    {
        using var reference = fixture.Open();
        await using var server = new FeedServer(fixture.DataDir);
        server.Inject("/osv/npm/all.zip", FeedServer.Fault.ServerError);
        server.Inject("/osv/PyPI/all.zip", FeedServer.Fault.Truncate);
        server.Inject("/kev/known_exploited_vulnerabilities.json", FeedServer.Fault.Truncate);
        using var http = new HttpClient();
        var log = new StringWriter();
        var dbPath = Path.Combine(_dir, "db", "comb.db");

        var result = await new DbUpdater(http, secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).UpdateAsync(dbPath, Mirror(server.BaseUrl), log, TestContext.Current.CancellationToken);

        Assert.Equal(2, server.Requests("/osv/npm/all.zip"));
        Assert.Equal(2, server.Requests("/osv/PyPI/all.zip"));
        Assert.Equal(2, server.Requests("/kev/known_exploited_vulnerabilities.json"));
        Assert.Contains("HTTP 500", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(reference.Info.AdvisoryCount, result.Info.AdvisoryCount);
        Assert.Equal(
            reference.Info.Sources.Select(s => (s.Name, s.Records)),
            result.Info.Sources.Select(s => (s.Name, s.Records)));
        Assert.Contains(result.Warnings, w => w.StartsWith("osv:Rocky Linux: not on the server", StringComparison.Ordinal));
        Assert.All(result.Warnings, w => Assert.Contains("not on the server", w, StringComparison.Ordinal));
        Assert.Equal(["comb.db"], Directory.EnumerateFileSystemEntries(Path.Combine(_dir, "db")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Failed_update_keeps_the_old_database_working()
    {
        var dbPath = Path.Combine(_dir, "comb.db");
        File.Copy(fixture.RequirePath(), dbPath);
        var before = AdvisoryDbInfoOf(dbPath);
        await using var server = new FeedServer(fixture.DataDir);
        server.Inject("/kev/known_exploited_vulnerabilities.json", FeedServer.Fault.ServerError, FeedServer.Fault.ServerError);
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<CombInputException>(() =>
            new DbUpdater(http, secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).UpdateAsync(dbPath, Mirror(server.BaseUrl, attempts: 2), null, TestContext.Current.CancellationToken));

        Assert.Contains("failed after 2 attempts", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, AdvisoryDbInfoOf(dbPath));
        Assert.Equal(["comb.db"], Directory.EnumerateFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Mirror_without_any_OSV_export_is_an_input_error()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        await using var server = new FeedServer(empty);
        using var http = new HttpClient();

        var ex = await Assert.ThrowsAsync<CombInputException>(() =>
            new DbUpdater(http, secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).UpdateAsync(Path.Combine(_dir, "comb.db"), Mirror(server.BaseUrl) with { AlpineBranches = [] }, null, TestContext.Current.CancellationToken));

        Assert.Contains("no OSV export found", ex.Message, StringComparison.Ordinal);
    }

    private static (DateTimeOffset, int) AdvisoryDbInfoOf(string path)
    {
        using var db = AdvisoryDatabase.Open(path);
        return (db.Info.BuiltAt, db.Info.AdvisoryCount);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
