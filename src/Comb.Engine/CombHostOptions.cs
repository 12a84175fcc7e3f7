using Microsoft.Extensions.Logging;

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

    /// <summary>Lowest level of the engine's log lines unless $COMB_LOG_LEVEL says; null leaves the host's logging configuration as it is.</summary>
    public LogLevel? LogLevel { get; set; }

    /// <summary>Where a host without logging of its own wants log lines, one per line (the CLI: standard error); null adds none.</summary>
    public TextWriter? LogWriter { get; set; }

    /// <summary>An analyzer that takes longer than this on one file (or a post-analyzer on one layer) is logged as slow.</summary>
    public TimeSpan SlowAnalyzerThreshold { get; set; } = TimeSpan.FromSeconds(10);
}
