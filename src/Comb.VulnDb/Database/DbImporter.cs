using System.Diagnostics;
using Comb.Contracts;
using Comb.VulnDb.Feeds;

namespace Comb.VulnDb.Database;

/// <summary>
/// Builds the advisory database from feed files on disk (air-gapped use): a directory with <c>osv/&lt;Ecosystem&gt;/all.zip</c>,
/// <c>debian/</c>, <c>alpine-secdb/</c>, <c>kev/</c> and <c>secrets/</c>, as <c>comb db update</c> downloads them.
/// </summary>
public sealed class DbImporter
{
    private readonly TimeProvider _time;
    private readonly IPublishedSecretValueReader? _secretValues;

    /// <summary><paramref name="secretValues"/> reads a secret rule set's published values (the secret scanner provides it).</summary>
    public DbImporter(TimeProvider? time = null, IPublishedSecretValueReader? secretValues = null)
    {
        _time = time ?? TimeProvider.System;
        _secretValues = secretValues;
    }

    public Task<DbBuildResult> ImportAsync(string feedDirectory, string dbPath, CancellationToken cancellationToken) =>
        ImportAsync([feedDirectory], dbPath, cancellationToken);

    /// <summary>Builds one database from several feed directories, or from a secret rule-set file given by itself.</summary>
    public async Task<DbBuildResult> ImportAsync(IReadOnlyList<string> feedPaths, string dbPath, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var feeds = await FeedDirectoryReader.ReadAsync(feedPaths, _secretValues, cancellationToken);
        var info = await AdvisoryDbWriter.BuildAsync(feeds, dbPath, _time, cancellationToken);
        return new DbBuildResult(info, feeds.Warnings, watch.Elapsed);
    }
}
