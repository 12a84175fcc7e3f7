namespace Comb.VulnDb.Database;

/// <summary>What <c>comb db info</c> shows: schema, build time, and per feed the record count and newest modification.</summary>
public sealed record AdvisoryDbInfo
{
    public required string Path { get; init; }
    public required int SchemaVersion { get; init; }
    public required DateTimeOffset BuiltAt { get; init; }
    public long SizeBytes { get; init; }
    public int AdvisoryCount { get; init; }
    public required IReadOnlyList<AdvisorySourceInfo> Sources { get; init; }

    /// <summary>Unique per build (older builds without one: their path, size and write time), for what is kept per build.</summary>
    public string BuildId { get; init; } = "";

    /// <summary>Short version string recorded in reports ("comb-db v1 built 2026-11-26T19:00:00Z").</summary>
    public string VersionLabel => Label(SchemaVersion, BuiltAt);

    internal static string Label(int schemaVersion, DateTimeOffset builtAt) => $"comb-db v{schemaVersion} built {builtAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}";

    /// <summary>Reads the information of the database at a path; a missing or damaged file is a <see cref="Contracts.CombInputException"/>.</summary>
    public static AdvisoryDbInfo Read(string path)
    {
        using var db = AdvisoryDatabase.Open(path);
        return db.Info;
    }
}

public sealed record AdvisorySourceInfo(string Name, int Records, DateTimeOffset? NewestModified);
