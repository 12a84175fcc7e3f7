using System.Diagnostics;
using Comb.VulnDb.Feeds;

namespace Comb.VulnDb.Database;

/// <summary>
/// Builds the advisory database from feed files on disk (air-gapped use): a directory with <c>osv/&lt;Ecosystem&gt;/all.zip</c>,
/// <c>debian/</c>, <c>alpine-secdb/</c>, <c>kev/</c> and <c>secrets/</c>, as <c>comb db update</c> downloads them.
/// </summary>
public sealed class DbImporter
{
    private readonly TimeProvider _time;

    public DbImporter(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public Task<DbBuildResult> ImportAsync(string feedDirectory, string dbPath, CancellationToken cancellationToken) =>
        ImportAsync([feedDirectory], dbPath, cancellationToken);

    /// <summary>Builds one database from several feed directories, or from a secret rule-set file given by itself.</summary>
    public async Task<DbBuildResult> ImportAsync(IReadOnlyList<string> feedPaths, string dbPath, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var feeds = await FeedDirectoryReader.ReadAsync(feedPaths, cancellationToken);
        var info = await AdvisoryDbWriter.BuildAsync(feeds, dbPath, _time, cancellationToken);
        return new DbBuildResult(info, feeds.Warnings, watch.Elapsed);
    }
}
