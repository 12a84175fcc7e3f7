using System.Data.Common;
using System.Globalization;

namespace Comb.Storage;

/// <summary>
/// One running container as a runtime watch last saw it: one row per container, updated in place each round, so a
/// drifted container is one record (with when its current drift was first seen), not one per file per round.
/// </summary>
public sealed record RuntimeContainerRecord
{
    /// <summary>Where it was observed: a Podman storage root or a containerd socket (with the watching host).</summary>
    public required string Source { get; init; }

    /// <summary>podman or containerd.</summary>
    public required string Runtime { get; init; }
    public string? Namespace { get; init; }
    public required string ContainerId { get; init; }
    public string? Name { get; init; }
    public string? Image { get; init; }
    public string? ImageDigest { get; init; }

    /// <summary>The stored scan of the image's digest the container maps to.</summary>
    public string? ImageScanId { get; init; }
    public bool Running { get; init; } = true;
    public bool Drifted { get; init; }
    public int DriftFiles { get; init; }

    /// <summary>A digest of the drift (paths, changes, contents): the same drift seen again keeps its first-seen time.</summary>
    public string? DriftDigest { get; init; }

    /// <summary>The worst severity among drift, malware and privilege findings (upper case), null when none.</summary>
    public string? Severity { get; init; }
    public bool MutableImageReference { get; init; }

    /// <summary>The container's whole report as JSON (drift files with their paths, privileges).</summary>
    public required string ReportJson { get; init; }

    public DateTimeOffset FirstSeen { get; init; }
    public DateTimeOffset LastSeen { get; init; }

    /// <summary>When the container's current drift was first observed; null when it has none.</summary>
    public DateTimeOffset? DriftSince { get; init; }
}

public sealed partial class ScanStore
{
    // Migration 4: the runtime watch's view of running containers, and one row per watch round.
    internal static string RuntimeSchema(string blob) => $"""
        CREATE TABLE runtime_containers (
          source TEXT NOT NULL, runtime TEXT NOT NULL, namespace TEXT NOT NULL, container_id TEXT NOT NULL, name TEXT, image TEXT, image_digest TEXT,
          image_scan_id TEXT, running INTEGER NOT NULL, drifted INTEGER NOT NULL, drift_files INTEGER NOT NULL, drift_digest TEXT, severity TEXT,
          mutable_reference INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, drift_since TEXT, report {blob} NOT NULL,
          PRIMARY KEY (source, namespace, container_id));
        CREATE INDEX ix_runtime_containers_seen ON runtime_containers (last_seen);
        CREATE TABLE runtime_rounds (observed_at TEXT NOT NULL, source TEXT NOT NULL, containers INTEGER NOT NULL, drifted INTEGER NOT NULL, images_scanned INTEGER NOT NULL);
        CREATE INDEX ix_runtime_rounds_time ON runtime_rounds (observed_at)
        """;

    /// <summary>
    /// Records one watch round of one source in one transaction: each container seen is inserted or updated (its first
    /// sighting and, while its drift stays the same, the drift's first sighting kept); containers of that source not
    /// seen this round are marked stopped.
    /// </summary>
    public async Task RecordRuntimeRoundAsync(string source, DateTimeOffset observedAt, IReadOnlyList<RuntimeContainerRecord> containers, int imagesScanned, CancellationToken cancellationToken)
    {
        var now = Timestamp(observedAt);
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var previous = (await Sql.QueryAsync(connection, "SELECT namespace, container_id, drift_digest, drift_since FROM runtime_containers WHERE source = @s",
                r => (Key: (r.GetString(0), r.GetString(1)), Digest: Nullable(r, 2), Since: Nullable(r, 3)), cancellationToken, transaction, ("s", source)).ConfigureAwait(false))
            .ToDictionary(p => p.Key);

        foreach (var c in containers)
        {
            var key = (c.Namespace ?? "", c.ContainerId);
            var known = previous.TryGetValue(key, out var before);
            var driftSince = !c.Drifted ? null : known && before.Digest == c.DriftDigest && before.Since is not null ? before.Since : now;
            await Sql.ExecAsync(connection, transaction, """
                INSERT INTO runtime_containers (source, runtime, namespace, container_id, name, image, image_digest, image_scan_id, running, drifted, drift_files,
                                                drift_digest, severity, mutable_reference, first_seen, last_seen, drift_since, report)
                VALUES (@source, @runtime, @ns, @id, @name, @image, @digest, @scan, 1, @drifted, @files, @driftDigest, @severity, @mutable, @now, @now, @since, @report)
                ON CONFLICT (source, namespace, container_id) DO UPDATE SET
                  runtime = excluded.runtime, name = excluded.name, image = excluded.image, image_digest = excluded.image_digest,
                  image_scan_id = excluded.image_scan_id, running = 1, drifted = excluded.drifted, drift_files = excluded.drift_files,
                  drift_digest = excluded.drift_digest, severity = excluded.severity, mutable_reference = excluded.mutable_reference,
                  last_seen = excluded.last_seen, drift_since = excluded.drift_since, report = excluded.report
                """, cancellationToken,
                ("source", source), ("runtime", c.Runtime), ("ns", c.Namespace ?? ""), ("id", c.ContainerId), ("name", c.Name), ("image", c.Image),
                ("digest", c.ImageDigest), ("scan", c.ImageScanId), ("drifted", c.Drifted ? 1 : 0), ("files", c.DriftFiles), ("driftDigest", c.DriftDigest),
                ("severity", c.Severity), ("mutable", c.MutableImageReference ? 1 : 0), ("now", now), ("since", driftSince),
                ("report", System.Text.Encoding.UTF8.GetBytes(c.ReportJson))).ConfigureAwait(false);
            previous.Remove(key);
        }

        foreach (var ((ns, id), _) in previous)
        {
            await Sql.ExecAsync(connection, transaction, "UPDATE runtime_containers SET running = 0 WHERE source = @s AND namespace = @ns AND container_id = @id",
                cancellationToken, ("s", source), ("ns", ns), ("id", id)).ConfigureAwait(false);
        }

        await Sql.ExecAsync(connection, transaction, "INSERT INTO runtime_rounds (observed_at, source, containers, drifted, images_scanned) VALUES (@t, @s, @c, @d, @i)",
            cancellationToken, ("t", now), ("s", source), ("c", containers.Count), ("d", containers.Count(c => c.Drifted)), ("i", imagesScanned)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The containers the runtime watch knows, running ones only unless <paramref name="includeStopped"/>; by source, namespace, name.</summary>
    public async Task<IReadOnlyList<RuntimeContainerRecord>> RuntimeContainersAsync(bool includeStopped, CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        return await Sql.QueryAsync(connection, $"""
            SELECT source, runtime, namespace, container_id, name, image, image_digest, image_scan_id, running, drifted, drift_files, drift_digest, severity,
                   mutable_reference, first_seen, last_seen, drift_since, report
            FROM runtime_containers {(includeStopped ? "" : "WHERE running = 1")} ORDER BY source, namespace, name, container_id
            """, ReadRuntime, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Watch rounds recorded, for a status line and tests.</summary>
    public async Task<long> RuntimeRoundCountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _open(cancellationToken).ConfigureAwait(false);
        var rows = await Sql.QueryAsync(connection, "SELECT COUNT(*) FROM runtime_rounds", r => Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        return rows[0];
    }

    private static RuntimeContainerRecord ReadRuntime(DbDataReader r) => new()
    {
        Source = r.GetString(0),
        Runtime = r.GetString(1),
        Namespace = r.GetString(2) is { Length: > 0 } ns ? ns : null,
        ContainerId = r.GetString(3),
        Name = Nullable(r, 4),
        Image = Nullable(r, 5),
        ImageDigest = Nullable(r, 6),
        ImageScanId = Nullable(r, 7),
        Running = Convert.ToInt32(r.GetValue(8), CultureInfo.InvariantCulture) != 0,
        Drifted = Convert.ToInt32(r.GetValue(9), CultureInfo.InvariantCulture) != 0,
        DriftFiles = Convert.ToInt32(r.GetValue(10), CultureInfo.InvariantCulture),
        DriftDigest = Nullable(r, 11),
        Severity = Nullable(r, 12),
        MutableImageReference = Convert.ToInt32(r.GetValue(13), CultureInfo.InvariantCulture) != 0,
        FirstSeen = ParseTimestamp(r.GetString(14)),
        LastSeen = ParseTimestamp(r.GetString(15)),
        DriftSince = Nullable(r, 16) is { } since ? ParseTimestamp(since) : null,
        ReportJson = System.Text.Encoding.UTF8.GetString((byte[])r[17]),
    };
}
