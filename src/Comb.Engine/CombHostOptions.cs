namespace Comb.Engine;

/// <summary>Settings a host gives once for every scan it runs; a scan's own options win where they say otherwise.</summary>
public sealed class CombHostOptions
{
    /// <summary>Layer cache and advisory database directory for scans that name none.</summary>
    public string? CacheDir { get; set; }

    /// <summary>Layer cache backend for scans that name none: null or <c>fs</c> (the cache directory), or <c>redis://host:port[/db]</c> shared by hosts.</summary>
    public string? CacheBackend { get; set; }

    /// <summary>Scan store (SQLite path or postgres:// URL) for scans that name none; default: the cache directory's history.</summary>
    public string? StoreLocation { get; set; }

    /// <summary>Scans the engine runs at once; more wait for a slot. 0 = no limit.</summary>
    public int MaxConcurrentScans { get; set; }

    /// <summary>Bytes of layer file content held in memory at once, across every scan; 0 = no limit.</summary>
    public long MaxBufferBytes { get; set; }
}
