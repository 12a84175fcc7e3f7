using System.IO.Compression;
using Comb.Contracts;
using Comb.VulnDb.Database;

namespace Comb.VulnDb.Tests.Database;

/// <summary>
/// Published, non-secret values travel with the advisory feeds: read from a secret rule set's allow-lists at import
/// or update, stored in the database, and handed to the secret scanner.
/// </summary>
public sealed class PublishedSecretValuesTests : IDisposable
{
    private const string PublishedKey = "AIzaSyC0mb9Xq2Lr7Tv_4Hn8Ws1Kd6Pf3Jz5Mb0";

    private const string RuleSet = $$"""
        [[rules]]
        id = "google-key"
        regex = '''\b(AIza[\w-]{35})\b'''
        [[rules.allowlists]]
        regexes = ['''{{PublishedKey}}''', '''^[a-z]+$''']

        [allowlist]
        stopwords = ["example", "d0c5-sample-passw0rd-1234"]
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("comb-published-").FullName;

    private string WriteRuleSet(string relative)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, RuleSet);
        return path;
    }

    [Fact]
    public async Task A_rule_file_given_by_itself_is_imported_and_the_scan_reads_its_values()
    {
        var rules = WriteRuleSet("gitleaks.toml");
        var dbPath = Path.Combine(_dir, "db", "comb.db");

        var result = await new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync([rules], dbPath, TestContext.Current.CancellationToken);
        var values = new PublishedSecretValueStore().Load(new ScanOptions { DbPath = dbPath });

        Assert.Equal([PublishedKey, "d0c5-sample-passw0rd-1234"], values);
        Assert.Contains(result.Info.Sources, s => s.Name == "published-secret-values" && s.Records == 2);
    }

    [Fact]
    public async Task The_store_reads_the_database_again_only_when_it_changes()
    {
        var rules = WriteRuleSet("gitleaks.toml");
        var dbPath = Path.Combine(_dir, "db", "comb.db");
        var options = new ScanOptions { DbPath = dbPath };
        var store = new PublishedSecretValueStore();
        await new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync([rules], dbPath, TestContext.Current.CancellationToken);

        var first = store.Load(options);
        var again = store.Load(options);
        await File.WriteAllTextAsync(rules, RuleSet.Replace("d0c5-sample-passw0rd-1234", "d0c5-other-passw0rd-5678", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        await new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync([rules], dbPath, TestContext.Current.CancellationToken);
        var rebuilt = store.Load(options);

        Assert.Same(first, again);
        Assert.Contains("d0c5-sample-passw0rd-1234", first);
        Assert.Contains("d0c5-other-passw0rd-5678", rebuilt);
    }

    [Fact]
    public async Task A_feed_directory_with_secrets_is_read_with_the_other_feeds()
    {
        WriteRuleSet(Path.Combine("feeds", "secrets", "gitleaks.toml"));
        WriteOsvZip(Path.Combine(_dir, "feeds"));
        var dbPath = Path.Combine(_dir, "comb.db");

        var result = await new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync(Path.Combine(_dir, "feeds"), dbPath, TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Info.AdvisoryCount);
        Assert.Equal(2, new PublishedSecretValueStore().Load(new ScanOptions { DbPath = dbPath }).Count);
    }

    [Fact]
    public async Task Update_downloads_the_rule_set_and_a_mirror_without_one_gives_a_warning()
    {
        var withRules = Path.Combine(_dir, "mirror");
        WriteOsvZip(withRules);
        WriteRuleSet(Path.Combine("mirror", "secrets", "gitleaks.toml"));
        var without = Path.Combine(_dir, "bare");
        WriteOsvZip(without);
        using var http = new HttpClient();
        var options = new DbUpdateOptions { MaxAttempts = 1, RetryDelay = TimeSpan.Zero, AlpineBranches = [], OsvEcosystems = ["npm"] };

        await using var server = new FeedServer(withRules);
        var full = await new DbUpdater(http, secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).UpdateAsync(Path.Combine(_dir, "a.db"), options with { Mirror = server.BaseUrl }, null, TestContext.Current.CancellationToken);
        await using var bareServer = new FeedServer(without);
        var bare = await new DbUpdater(http, secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).UpdateAsync(Path.Combine(_dir, "b.db"), options with { Mirror = bareServer.BaseUrl }, null, TestContext.Current.CancellationToken);

        Assert.Equal(2, new PublishedSecretValueStore().Load(new ScanOptions { DbPath = Path.Combine(_dir, "a.db") }).Count);
        Assert.DoesNotContain(full.Warnings, w => w.StartsWith("published secret values", StringComparison.Ordinal));
        Assert.Empty(new PublishedSecretValueStore().Load(new ScanOptions { DbPath = Path.Combine(_dir, "b.db") }));
        Assert.Contains(bare.Warnings, w => w.StartsWith("published secret values: rule set not on the server", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_usable_database_there_are_no_published_values_and_no_error()
    {
        var damaged = Path.Combine(_dir, "damaged.db");
        File.WriteAllBytes(damaged, [.. "SQLite format 3\0"u8, .. new byte[5000]]);

        Assert.Empty(new PublishedSecretValueStore().Load(new ScanOptions { DbPath = Path.Combine(_dir, "none.db") }));
        Assert.Empty(new PublishedSecretValueStore().Load(new ScanOptions { DbPath = damaged }));
    }

    [Fact]
    public async Task An_invalid_rule_file_is_an_input_error_naming_it()
    {
        var path = Path.Combine(_dir, "broken.toml");
        await File.WriteAllTextAsync(path, "[[rules]\nid = ", TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<CombInputException>(() => new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync([path], Path.Combine(_dir, "c.db"), TestContext.Current.CancellationToken));

        Assert.Contains("broken.toml", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "c.db")));
    }

    [Fact]
    public async Task A_file_that_is_not_a_rule_set_is_named_in_the_error()
    {
        var path = Path.Combine(_dir, "all.zip");
        await File.WriteAllBytesAsync(path, [1, 2, 3], TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<CombInputException>(() => new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync([path], Path.Combine(_dir, "d.db"), TestContext.Current.CancellationToken));

        Assert.Equal($"{path}: not a feed directory, nor a secret rule file (.toml)", ex.Message);
    }

    private static void WriteOsvZip(string root)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, "osv", "npm")).FullName;
        using var zip = ZipFile.Open(Path.Combine(dir, "all.zip"), ZipArchiveMode.Create);
        using var writer = new StreamWriter(zip.CreateEntry("GHSA-test-0001.json").Open());
        writer.Write("""
            {"id":"GHSA-test-0001","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"left-pad"},
             "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]}
            """);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
