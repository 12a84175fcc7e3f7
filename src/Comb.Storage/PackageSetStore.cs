using System.Data.Common;
using System.Runtime.CompilerServices;
using Comb.Contracts;
using PackageBlobs = Comb.Storage.ContentAddressedBlobs<Comb.Contracts.PackageSet>;

namespace Comb.Storage;

/// <summary>
/// Package sets kept once by content: a set is stored under the SHA-256 of its JSON, with one row per package for
/// queries, and scans refer to it by that digest. Images built on a shared base store its packages once, and a
/// re-check that records a set it just read (the same object) neither serialises nor rewrites it. Sets read are
/// kept in memory (immutable records, shared by every report that has them), up to a bound.
/// </summary>
internal sealed class PackageSetStore
{
    private readonly PackageBlobs _blobs = new("package_sets", "package set");
    private readonly ConditionalWeakTable<PackageSet, Stored> _known = [];

    /// <summary>The digest and stored form of one set, remembered for the set object it was read into or written from.</summary>
    private sealed record Stored(string Digest, byte[] Data);

    /// <summary>The sets a scan refers to, in order; null when it refers to none (a scan recorded whole, before sets were kept apart).</summary>
    public async Task<IReadOnlyList<PackageSet>?> ReadAsync(DbConnection connection, string scanId, CancellationToken cancellationToken)
    {
        var digests = await Sql.QueryAsync(connection, "SELECT set_digest FROM scan_sets WHERE scan_id = @s ORDER BY ordinal",
            r => r.GetString(0), cancellationToken, ("s", scanId)).ConfigureAwait(false);
        if (digests.Count == 0)
        {
            return null;
        }

        var sets = new List<PackageSet>(digests.Count);
        foreach (var digest in digests)
        {
            var (set, loaded) = await _blobs.GetAsync(connection, scanId, digest, cancellationToken).ConfigureAwait(false);
            if (loaded is not null)
            {
                _known.AddOrUpdate(set, new Stored(digest, loaded));
            }

            sets.Add(set);
        }

        return sets;
    }

    /// <summary>
    /// Writes the sets of several scans in a few statements: each distinct set offered once (rows only for those the
    /// database did not hold), then every scan's references.
    /// </summary>
    public async Task WriteManyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(string ScanId, IReadOnlyList<PackageSet> Sets)> scans, CancellationToken cancellationToken)
    {
        var distinct = new Dictionary<string, PackageSet>(StringComparer.Ordinal);
        var offered = new List<object?[]>();
        var refs = new List<object?[]>();
        foreach (var (scanId, sets) in scans)
        {
            for (var ordinal = 0; ordinal < sets.Count; ordinal++)
            {
                var stored = StoredFormOf(sets[ordinal]);
                if (distinct.TryAdd(stored.Digest, sets[ordinal]))
                {
                    offered.Add([stored.Digest, sets[ordinal].Kind, sets[ordinal].FilePath, sets[ordinal].Packages.Count, stored.Data]);
                }

                refs.Add([scanId, ordinal, stored.Digest]);
            }
        }

        // Always offered to the database (another process may have pruned it); rows go with the sets it did not hold.
        var added = await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO package_sets (digest, kind, file_path, packages, data)", offered,
            "ON CONFLICT (digest) DO NOTHING RETURNING digest", cancellationToken).ConfigureAwait(false);
        var rows = added.SelectMany(d => distinct[d].Packages.Select(p => new object?[] { d, p.Name, p.Version, p.Type, p.Purl, p.LayerDiffId, p.Path, p.SourceName ?? "" })).ToList();
        await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO set_packages (set_digest, name, version, type, purl, layer, path, source)", rows, "", cancellationToken).ConfigureAwait(false);
        await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO scan_sets (scan_id, ordinal, set_digest)", refs, "", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sets of several scans, in one query per chunk for the references and one for the sets not in memory; scans referring to none are absent.</summary>
    public async Task<Dictionary<string, List<PackageSet>>> ReadManyAsync(DbConnection connection, IReadOnlyCollection<string> scanIds, CancellationToken cancellationToken)
    {
        var refs = await Sql.QueryInAsync(connection, "SELECT scan_id, ordinal, set_digest FROM scan_sets WHERE scan_id IN ({keys})", scanIds,
            r => (Scan: r.GetString(0), Ordinal: Convert.ToInt32(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), Digest: r.GetString(2)), cancellationToken).ConfigureAwait(false);
        var blobs = await _blobs.GetManyAsync(connection, [.. refs.Select(r => r.Digest).Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
        foreach (var (digest, (set, loaded)) in blobs)
        {
            if (loaded is not null)
            {
                _known.AddOrUpdate(set, new Stored(digest, loaded));
            }
        }

        return refs.GroupBy(r => r.Scan, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Ordinal).Select(r => blobs[r.Digest].Value).ToList(), StringComparer.Ordinal);
    }

    private Stored StoredFormOf(PackageSet set)
    {
        if (_known.TryGetValue(set, out var known))
        {
            return known;
        }

        var (digest, json) = PackageBlobs.Serialize(set);
        var stored = new Stored(digest, PackageBlobs.Compress(json));
        _blobs.Remember(digest, set);
        _known.AddOrUpdate(set, stored);
        return stored;
    }
}
