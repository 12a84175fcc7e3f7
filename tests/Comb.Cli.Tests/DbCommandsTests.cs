using Comb.Testing;

namespace Comb.Cli.Tests;

public sealed class DbCommandsTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("comb-cli-db-").FullName;

    [Fact]
    public async Task Db_import_then_info_shows_the_schema_and_per_source_counts()
    {
        var feeds = SharedData.Require("vulndb");

        var (importCode, importOut, importErr) = await CliRunner.RunAsync("db", "import", feeds, "--cache-dir", _cache);
        var (infoCode, infoOut, _) = await CliRunner.RunAsync("db", "info", "--cache-dir", _cache);

        Assert.True(importCode == 0, importErr);
        Assert.Contains("advisory database built: " + Path.Combine(_cache, "db", "comb.db"), importOut, StringComparison.Ordinal);
        Assert.Equal(0, infoCode);
        Assert.Contains("Schema version:  2", infoOut, StringComparison.Ordinal);
        Assert.Matches(@"osv:npm\s+469\s+2024-", infoOut);
        Assert.Matches(@"cisa-kev\s+1404\s+2025-08-25", infoOut);
    }

    [Fact]
    public async Task Db_info_without_a_database_is_an_input_error_naming_the_commands()
    {
        var (code, _, err) = await CliRunner.RunAsync("db", "info", "--cache-dir", _cache);

        Assert.Equal(2, code);
        Assert.Contains("run comb db update or comb db import DIR", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Db_import_of_a_directory_without_feeds_is_an_input_error()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_cache, "empty")).FullName;

        var (code, _, err) = await CliRunner.RunAsync("db", "import", empty, "--cache-dir", _cache);

        Assert.Equal(2, code);
        Assert.Contains("no advisory feeds in", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Published_secret_values_imported_with_the_feeds_are_left_out_of_a_secret_scan()
    {
        const string published = "AIzaSyC0mb9Xq2Lr7Tv_4Hn8Ws1Kd6Pf3Jz5Mb0";
        const string live = "AIzaSyDq7Xw2LiveLookingKey-9f8e7d6c5b4a";
        var rules = Path.Combine(_cache, "gitleaks.toml");
        await File.WriteAllTextAsync(rules, $"[[rules]]\nid = \"google-key\"\nregex = '''AIza[\\w-]{{35}}'''\n[[rules.allowlists]]\nregexes = ['''{published}''']\n", TestContext.Current.CancellationToken);
        var root = Directory.CreateDirectory(Path.Combine(_cache, "rootfs", "app")).Parent!.FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "app", "config.js"), $"const maps = \"{published}\";\nconst backend = \"{live}\";\n", TestContext.Current.CancellationToken);

        var before = await CliRunner.RunAsync("scan", "rootfs:" + root, "--scanners", "secret", "--format", "json", "--no-store", "--cache-dir", _cache, "-q");
        var import = await CliRunner.RunAsync("db", "import", rules, "--cache-dir", _cache);
        var after = await CliRunner.RunAsync("scan", "rootfs:" + root, "--scanners", "secret", "--format", "json", "--no-store", "--cache-dir", _cache, "-q");

        Assert.True(import.Code == 0, import.Err);
        Assert.Equal([1, 2], Lines(before.Out));
        Assert.Equal([2], Lines(after.Out));
    }

    private static int[] Lines(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("secrets").EnumerateArray().Select(s => s.GetProperty("line").GetInt32()).Order()];
    }

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}
