namespace Comb.Server;

/// <summary>The server's settings, read from configuration section "Comb" (command-line flags map onto it).</summary>
public sealed class ServerSettings
{
    public const string Section = "Comb";

    /// <summary>Where the server listens; loopback unless the operator says otherwise.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8480";

    /// <summary>Layer cache and advisory database directory (default: the user's Comb cache).</summary>
    public string? CacheDir { get; set; }

    /// <summary>Scan store and queue: a SQLite path or a postgres:// URL (default: SQLite under the cache directory).</summary>
    public string? Store { get; set; }

    /// <summary>Scan workers run in this process (0: none, the API only).</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;
}
