using System.Collections.Concurrent;

namespace Comb.VulnDb.Database;

/// <summary>
/// Advisory databases kept open between scans of one host: opening one (a connection, its schema, the page-count
/// check, the meta and source rows, four prepared lookups) cost more than matching a stored image's inventory, and a
/// rescan matches thousands in a row. A database is taken by one scan at a time and handed back after; copies open
/// on a file that has since been replaced (another length, modification or creation time) are closed, not reused.
/// </summary>
internal sealed class OpenAdvisoryDatabases : IDisposable
{
    /// <summary>Idle copies kept per file: one per scan that runs at the same time, up to this many.</summary>
    private const int MaxIdle = 4;

    private readonly ConcurrentDictionary<string, (FileIdentity Identity, ConcurrentBag<AdvisoryDatabase> Idle)> _byPath = new(StringComparer.Ordinal);

    private int _disposed;

    internal readonly record struct FileIdentity(long Length, long WrittenTicks, long CreatedTicks);

    /// <summary>An open database for <paramref name="path"/>: an idle one of the same file, else opened now. Dispose the lease to hand it back.</summary>
    public Lease Take(string path)
    {
        var full = Path.GetFullPath(path);
        var identity = IdentityOf(full);
        if (_byPath.TryGetValue(full, out var entry))
        {
            if (identity is { } id && entry.Identity == id)
            {
                if (entry.Idle.TryTake(out var idle))
                {
                    return new Lease(this, full, id, idle);
                }
            }
            else if (_byPath.TryRemove(new KeyValuePair<string, (FileIdentity, ConcurrentBag<AdvisoryDatabase>)>(full, entry)))
            {
                // The file was replaced (db update): what was open on the old one is closed.
                while (entry.Idle.TryTake(out var stale))
                {
                    stale.Dispose();
                }
            }
        }

        return new Lease(this, full, identity, AdvisoryDatabase.Open(path));
    }

    private void Return(string path, FileIdentity? identity, AdvisoryDatabase db)
    {
        // Kept only while the file is the one it was opened on, and while the host runs.
        if (Volatile.Read(ref _disposed) != 0 || identity is not { } id || IdentityOf(path) != id)
        {
            db.Dispose();
            return;
        }

        var entry = _byPath.AddOrUpdate(path, _ => (id, []), (_, e) => e.Identity == id ? e : (id, []));
        if (entry.Identity != id || entry.Idle.Count >= MaxIdle)
        {
            db.Dispose();
            return;
        }

        entry.Idle.Add(db);
    }

    /// <summary>Closes the idle databases; those in use close when handed back.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var (_, idle) in _byPath.Values)
        {
            while (idle.TryTake(out var db))
            {
                db.Dispose();
            }
        }
    }

    private static FileIdentity? IdentityOf(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? new FileIdentity(file.Length, file.LastWriteTimeUtc.Ticks, file.CreationTimeUtc.Ticks) : null;
    }

    public sealed class Lease(OpenAdvisoryDatabases owner, string path, FileIdentity? identity, AdvisoryDatabase db) : IDisposable
    {
        private int _returned;

        public AdvisoryDatabase Database => db;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _returned, 1) == 0)
            {
                owner.Return(path, identity, db);
            }
        }
    }
}
