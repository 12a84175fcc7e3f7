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

    /// <summary>Writes the sets (new ones only) and the scan's references to them, in the scan's transaction.</summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, string scanId, IReadOnlyList<PackageSet> sets, CancellationToken cancellationToken)
    {
        await using var insertSet = Sql.Command(connection, transaction,
            "INSERT INTO package_sets (digest, kind, file_path, packages, data) VALUES (@d, @k, @f, @n, @data) ON CONFLICT (digest) DO NOTHING");
        await using var insertRef = Sql.Command(connection, transaction, "INSERT INTO scan_sets (scan_id, ordinal, set_digest) VALUES (@s, @o, @d)");
        for (var ordinal = 0; ordinal < sets.Count; ordinal++)
        {
            var set = sets[ordinal];
            var stored = StoredFormOf(set);
            Sql.Bind(insertSet, ("d", stored.Digest), ("k", set.Kind), ("f", set.FilePath), ("n", set.Packages.Count), ("data", stored.Data));
            if (await insertSet.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                await WritePackagesAsync(connection, transaction, stored.Digest, set, cancellationToken).ConfigureAwait(false);
            }

            Sql.Bind(insertRef, ("s", scanId), ("o", ordinal), ("d", stored.Digest));
            await insertRef.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

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

    private static async Task WritePackagesAsync(DbConnection connection, DbTransaction transaction, string digest, PackageSet set, CancellationToken cancellationToken)
    {
        await using var insert = Sql.Command(connection, transaction,
            "INSERT INTO set_packages (set_digest, name, version, type, purl, layer, path) VALUES (@s, @n, @v, @t, @p, @l, @f)");
        foreach (var package in set.Packages)
        {
            Sql.Bind(insert, ("s", digest), ("n", package.Name), ("v", package.Version), ("t", package.Type), ("p", package.Purl), ("l", package.LayerDiffId), ("f", package.Path));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
