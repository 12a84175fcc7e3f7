using System.Security.Cryptography;
using System.Text;
using Comb.Testing;
using Comb.VulnDb.Database;

namespace Comb.VulnDb.Tests;

/// <summary>
/// Builds the advisory database from the shared vulndb data once per test run. The built file is cached in the temp
/// directory under a key made of the data files (path, size, time) and this build of Comb.VulnDb, so reruns reuse it.
/// </summary>
public sealed class AdvisoryDbFixture : IAsyncLifetime
{
    private string? _dbPath;
    private string? _dataDir;
    private Exception? _skip;

    public string DbPath => _dbPath ?? throw new InvalidOperationException("fixture not initialised");

    public string DataDir => _dataDir ?? throw new InvalidOperationException("fixture not initialised");

    /// <summary>Time the import took when this run built the file (null when the cached file was reused).</summary>
    public TimeSpan? BuildTime { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var root = SharedData.RootOrNull;
        var data = root is null ? null : Path.Combine(root, "vulndb");
        if (data is null || !Directory.Exists(data))
        {
            _skip = new DirectoryNotFoundException("shared vulndb data");
            return;
        }

        _dataDir = data;
        var key = CacheKey(data);
        var dir = Path.Combine(Path.GetTempPath(), "comb-vulndb-tests", key);
        _dbPath = Path.Combine(dir, "comb.db");
        if (File.Exists(_dbPath))
        {
            try
            {
                AdvisoryDatabase.Open(_dbPath).Dispose();
                return;
            }
            catch (Contracts.CombInputException)
            {
                File.Delete(_dbPath);
            }
        }

        // Builds from older code or data are of no further use.
        var parent = Path.GetDirectoryName(dir)!;
        if (Directory.Exists(parent))
        {
            foreach (var old in Directory.EnumerateDirectories(parent).Where(d => !string.Equals(d, dir, StringComparison.Ordinal)))
            {
                Directory.Delete(old, recursive: true);
            }
        }

        var result = await new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync(data, _dbPath, CancellationToken.None);
        BuildTime = result.Elapsed;
    }

    /// <summary>Skips the calling test with a clear message when the shared data is absent.</summary>
    internal AdvisoryDatabase Open()
    {
        Assert.SkipWhen(_skip is not null, "Shared test data not found: expected ../shared/data/vulndb beside the repository (or COMB_SHARED_DATA).");
        return AdvisoryDatabase.Open(DbPath);
    }

    /// <summary>The built database's path; skips the calling test when the shared data is absent.</summary>
    public string RequirePath()
    {
        Open().Dispose();
        return DbPath;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string CacheKey(string data)
    {
        var sb = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(data, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            sb.Append(Path.GetRelativePath(data, file)).Append('|').Append(info.Length).Append('|').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }

        sb.Append(typeof(DbImporter).Assembly.ManifestModule.ModuleVersionId);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }
}

[CollectionDefinition(Name)]
public sealed class AdvisoryDbCollection : ICollectionFixture<AdvisoryDbFixture>
{
    public const string Name = "advisory-db";
}
