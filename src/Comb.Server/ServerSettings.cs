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

    /// <summary>Layer cache backend: null or <c>fs</c> (the cache directory), or <c>redis://host:port[/db]</c> shared by every server and worker.</summary>
    public string? CacheBackend { get; set; }

    /// <summary>Where the data-protection keys that seal queued credentials live (default: &lt;cache&gt;/server/keys); shared by the server and its workers.</summary>
    public string? KeyRingDir { get; set; }

    /// <summary>Scan workers run in this process (0: none, the API only).</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>The key directory these settings name, the cache directory's server/keys unless set.</summary>
    public string KeyRingDirectory(ServerLocations locations) => Path.GetFullPath(KeyRingDir ?? Path.Combine(locations.CacheDir, "server", "keys"));
}
