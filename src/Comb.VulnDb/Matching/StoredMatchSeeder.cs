using System.Collections.Concurrent;
using Comb.Contracts;
using Comb.VulnDb.Database;

namespace Comb.VulnDb.Matching;

/// <summary>
/// Lets a re-check of a stored scan skip matching what cannot have changed: the findings the scan holds for each
/// package whose target no change recorded since the scan's database build touches are put in the current build's
/// memo, so the vulnerability stage matches only the packages the changed advisories name. Without a recorded change
/// list (older build, unknown version, another Comb version) nothing is carried and every target is matched in full.
/// </summary>
public sealed class StoredMatchSeeder(MatchMemos memos, TimeProvider? time = null) : IDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private readonly ConcurrentDictionary<(string Build, string Since), AdvisoryDbChanges?> _changes = new();
    private readonly Lock _lock = new();

    // The database stays open between scans of one re-check (it is opened again when the file is replaced).
    private (string Path, long Length, DateTime Written, AdvisoryDatabase Db)? _open;

    /// <summary>Carries a stored scan's findings into the memo of the database <paramref name="options"/> name; returns how many targets were carried.</summary>
    public int Seed(ScanReport stored, ScanOptions options)
    {
        if (stored.AdvisoryDbVersion is not { } since || stored.ToolVersion != ScanContext.ToolVersion)
        {
            return 0;
        }

        var path = Path.GetFullPath(AdvisoryDbLocation.Resolve(options));
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return 0;
        }

        lock (_lock)
        {
            var db = OpenLocked(path, file);
            if (db.Info.VersionLabel == since)
            {
                return 0; // the same build, or one built within the same second: nothing to tell them apart by
            }

            var changes = _changes.GetOrAdd((db.Info.BuildId, since), key => db.ChangesSince(key.Since));
            return changes is null ? 0 : Carry(stored, memos.For(db), changes);
        }
    }

    /// <summary>
    /// What the database <paramref name="options"/> name changed since build <paramref name="since"/>, for a rescan to
    /// leave the stored scans it cannot alter unread; null when that cannot be told (no recorded changes, the same
    /// label, no database) or when a re-check would note the database's age, which a stored scan may not.
    /// </summary>
    public StoredScanFilter? FilterSince(string since, ScanOptions options)
    {
        var path = Path.GetFullPath(AdvisoryDbLocation.Resolve(options));
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return null;
        }

        lock (_lock)
        {
            var db = OpenLocked(path, file);
            if (db.Info.VersionLabel == since || _time.GetUtcNow() - db.Info.BuiltAt > options.DbMaxAge)
            {
                return null;
            }

            var changes = _changes.GetOrAdd((db.Info.BuildId, since), key => db.ChangesSince(key.Since));
            return changes is null ? null : new StoredScanFilter(db.Info.VersionLabel, changes);
        }
    }

    private AdvisoryDatabase OpenLocked(string path, FileInfo file)
    {
        if (_open is not { } open || open.Path != path || open.Length != file.Length || open.Written != file.LastWriteTimeUtc)
        {
            _open?.Db.Dispose();
            _open = (path, file.Length, file.LastWriteTimeUtc, AdvisoryDatabase.Open(path));
        }

        return _open.Value.Db;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _open?.Db.Dispose();
            _open = null;
        }
    }

    internal static int Carry(ScanReport stored, MatchMemo memo, AdvisoryDbChanges changes)
    {
        var distro = MatchTargets.DistroEcosystem(stored.Os);
        var carried = 0;

        // Built only for a package left to carry: across a fleet most targets are in the memo after the first images.
        ILookup<(string, string, string, string?, string?), VulnerabilityFinding>? findings = null;
        HashSet<(string, string, string, string?, string?)>? twins = null;

        // A set object offered before (a base shared by the images of a re-check) has nothing left to carry: each of
        // its targets is in the memo already or was left to be matched.
        var offered = stored.PackageSets.Where(memo.FirstOffer).SelectMany(s => s.Packages);
        foreach (var package in offered)
        {
            if (MatchTargets.For(package, distro) is not { } target || memo.Contains(target))
            {
                continue;
            }

            // Two packages that look the same cannot be told apart in the stored findings: those are matched again.
            var key = (package.Name, package.Version, package.Type, package.Path, package.LayerDiffId);
            twins ??= stored.Packages.GroupBy(p => (p.Name, p.Version, p.Type, p.Path, p.LayerDiffId)).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            if (twins.Contains(key))
            {
                continue;
            }

            findings ??= stored.Vulnerabilities.ToLookup(f => (f.PackageName, f.InstalledVersion, f.PackageType, f.Path, f.LayerDiffId));
            var comparer = OsvComparerResolver.Instance.For("ECOSYSTEM", target.Ecosystem);
            List<MatchedVulnerability> matched = [.. findings[key].Select(f => MatchedVulnerability.FromFinding(f, package, target, comparer))];
            if (!MatchMemo.IsTouched(target, matched, changes) && memo.TryAdd(target, matched))
            {
                carried++;
            }
        }

        return carried;
    }
}
