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
        Assert.Contains("Schema version:  1", infoOut, StringComparison.Ordinal);
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

    public void Dispose() => Directory.Delete(_cache, recursive: true);
}
