using Comb.Jobs;

namespace Comb.Server.Registries;

/// <summary>The console's reads: counts of every registry in one query and a page of one registry's tags, both after settling finished jobs.</summary>
public sealed partial class RegistryStore
{
    /// <summary>Images known, scanned, failed and queued of every registry that has any, by name.</summary>
    public async Task<IReadOnlyDictionary<string, RegistryCounts>> SettleAndCountAsync(CancellationToken cancellationToken)
    {
        await queue.GetAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await SettleAsync(connection, null, cancellationToken).ConfigureAwait(false);
        await using var command = JobDb.Command(connection, null, """
            SELECT registry, COUNT(*), SUM(CASE WHEN scanned_digest = digest AND failed = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN failed <> 0 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN job_id IS NOT NULL THEN 1 ELSE 0 END)
            FROM registry_images GROUP BY registry
            """, []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, RegistryCounts>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = new RegistryCounts(JobDb.ToInt(reader.GetValue(1)), JobDb.ToInt(reader.GetValue(2)), JobDb.ToInt(reader.GetValue(3)), JobDb.ToInt(reader.GetValue(4)));
        }

        return counts;
    }

    /// <summary>One page of a registry's tags by repository and tag, optionally those whose repository or tag contains <paramref name="search"/>, and how many match.</summary>
    public async Task<(IReadOnlyList<RegistryImage> Items, long Total)> SettleAndPageAsync(string registry, string? search, int offset, int limit, CancellationToken cancellationToken)
    {
        await queue.GetAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await SettleAsync(connection, registry, cancellationToken).ConfigureAwait(false);
        var where = "WHERE registry = @registry" + (string.IsNullOrEmpty(search) ? "" : @" AND (repository LIKE @q ESCAPE '\' OR tag LIKE @q ESCAPE '\')");
        var filter = new List<(string, object?)> { ("registry", registry) };
        if (!string.IsNullOrEmpty(search))
        {
            filter.Add(("q", "%" + search.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal) + "%"));
        }

        var total = JobDb.ToLong((await JobDb.ScalarAsync(connection, null, $"SELECT COUNT(*) FROM registry_images {where}", cancellationToken, [.. filter]).ConfigureAwait(false))!);
        var items = await QueryImagesAsync(connection, $"{where} ORDER BY repository, tag LIMIT @limit OFFSET @offset", cancellationToken,
            [.. filter, ("limit", Math.Clamp(limit, 1, 500)), ("offset", Math.Max(0, offset))]).ConfigureAwait(false);
        return (items, total);
    }
}
