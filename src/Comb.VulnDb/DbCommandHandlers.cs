using System.Globalization;
using Comb.VulnDb.Database;

namespace Comb.VulnDb;

/// <summary>The logic behind <c>comb db update</c>, <c>comb db import</c> and <c>comb db info</c>; the CLI only parses options.</summary>
public sealed class DbCommandHandlers
{
    private readonly DbUpdater _updater;
    private readonly DbImporter _importer;
    private readonly TimeProvider _time;

    public DbCommandHandlers(DbUpdater updater, DbImporter importer, TimeProvider time)
    {
        _updater = updater;
        _importer = importer;
        _time = time;
    }

    /// <summary><c>comb db update [--mirror URL]</c>.</summary>
    public async Task<int> UpdateAsync(string? dbPath, string? cacheDir, DbUpdateOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var path = AdvisoryDbLocation.Resolve(dbPath, cacheDir);
        var result = await _updater.UpdateAsync(path, options, output, cancellationToken);
        WriteBuilt(result, output);
        return Contracts.ExitCodes.Success;
    }

    /// <summary><c>comb db import PATH...</c>.</summary>
    public async Task<int> ImportAsync(IReadOnlyList<string> feedPaths, string? dbPath, string? cacheDir, TextWriter output, CancellationToken cancellationToken)
    {
        var path = AdvisoryDbLocation.Resolve(dbPath, cacheDir);
        var result = await _importer.ImportAsync(feedPaths, path, cancellationToken);
        WriteBuilt(result, output);
        return Contracts.ExitCodes.Success;
    }

    /// <summary><c>comb db info</c>: schema version, build time and age, and per source the records and newest modification.</summary>
    public int Info(string? dbPath, string? cacheDir, TextWriter output)
    {
        var path = AdvisoryDbLocation.Resolve(dbPath, cacheDir);
        using var db = AdvisoryDatabase.Open(path);
        WriteInfo(db.Info, _time.GetUtcNow(), output);
        return Contracts.ExitCodes.Success;
    }

    internal static void WriteInfo(AdvisoryDbInfo info, DateTimeOffset now, TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv, $"Database:        {info.Path}"));
        output.WriteLine(string.Create(inv, $"Schema version:  {info.SchemaVersion}"));
        output.WriteLine(string.Create(inv, $"Built:           {info.BuiltAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} ({Age(now - info.BuiltAt)} ago)"));
        output.WriteLine(string.Create(inv, $"Size:            {info.SizeBytes / 1024.0 / 1024.0:0.0} MiB"));
        output.WriteLine(string.Create(inv, $"Advisories:      {info.AdvisoryCount}"));
        output.WriteLine();
        var width = Math.Max(6, info.Sources.Count == 0 ? 0 : info.Sources.Max(s => s.Name.Length));
        output.WriteLine(string.Create(inv, $"{"Source".PadRight(width)}  {"Records",8}  Newest modified"));
        foreach (var source in info.Sources)
        {
            var newest = source.NewestModified is { } m ? m.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", inv) : "-";
            output.WriteLine(string.Create(inv, $"{source.Name.PadRight(width)}  {source.Records,8}  {newest}"));
        }
    }

    private static void WriteBuilt(DbBuildResult result, TextWriter output)
    {
        foreach (var warning in result.Warnings)
        {
            output.WriteLine("warning: " + warning);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"advisory database built: {result.Info.Path} ({result.Info.AdvisoryCount} advisories, {result.Info.SizeBytes / 1024.0 / 1024.0:0.0} MiB, {result.Elapsed.TotalSeconds:0.0} s)"));
    }

    private static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{age.TotalDays:0} days" : age.TotalHours >= 1 ? $"{age.TotalHours:0} hours" : $"{Math.Max(0, age.TotalMinutes):0} minutes";
}
