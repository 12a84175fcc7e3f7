namespace Comb.Contracts;

public static class Scanners
{
    public const string Vuln = "vuln";
    public const string Secret = "secret";
    public const string Malware = "malware";
    public const string Config = "config";

    public static readonly IReadOnlyList<string> All = [Vuln, Secret, Malware, Config];
}

/// <summary>Every setting a scan can take; the CLI and the server fill it, stages read what they need.</summary>
public sealed record ScanOptions
{
    public IReadOnlySet<string> Scanners { get; init; } = new HashSet<string>(Contracts.Scanners.All, StringComparer.Ordinal);

    public bool IsEnabled(string scanner) => Scanners.Contains(scanner);

    /// <summary>Layer cache and advisory DB location.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Advisory DB path; default is &lt;cache&gt;/db/comb.db.</summary>
    public string? DbPath { get; init; }

    /// <summary>Warn when the advisory DB was built longer ago than this.</summary>
    public TimeSpan DbMaxAge { get; init; } = TimeSpan.FromDays(7);

    public ImagePlatform? Platform { get; init; }
    public bool InsecureRegistry { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>Local container stores (containers-storage:, containerd: references); null means the defaults.</summary>
    public string? StorageRoot { get; init; }
    public string? ContainerdRoot { get; init; }
    public string? ContainerdNamespace { get; init; }

    /// <summary>
    /// Files no analyzer reads, as globs over the in-image path (<c>app/config.json</c>, <c>**/*.pem</c>; a leading
    /// '/' is ignored). They still count for layer stacking and whiteouts.
    /// </summary>
    public IReadOnlyList<string> SkipFiles { get; init; } = [];

    /// <summary>Directories whose files no analyzer reads, as globs (<c>usr/lib/ruby</c>, <c>**/node_modules</c>).</summary>
    public IReadOnlyList<string> SkipDirs { get; init; } = [];

    /// <summary>Keep development-only dependencies that lock files flag (left out by default, as the peers do).</summary>
    public bool IncludeDevDeps { get; init; }

    /// <summary>Cap on uncompressed bytes per layer (decompression bombs).</summary>
    public long MaxLayerBytes { get; init; } = 32L * 1024 * 1024 * 1024;

    /// <summary>Present only these severities (empty = all); every finding is still stored.</summary>
    public IReadOnlySet<Severity> Severities { get; init; } = new HashSet<Severity>();
    public bool IgnoreUnfixed { get; init; }
    public string? IgnoreFile { get; init; }
    public IReadOnlyList<string> VexFiles { get; init; } = [];

    public string? SecretConfig { get; init; }
    public string? ClamdAddress { get; init; }
    public string? YaraRules { get; init; }
    public string? HashList { get; init; }

    public string? PolicyFile { get; init; }

    /// <summary>What fails the scan besides the policy (fail-on severity, exit code on findings).</summary>
    public VerdictOptions Verdict { get; init; } = new();
    public string? TrustPolicyFile { get; init; }
    public string? Dockerfile { get; init; }

    /// <summary>Scan store: a SQLite path or a postgres:// URL; null = default SQLite in the cache dir.</summary>
    public string? StorePath { get; init; }
    public bool NoStore { get; init; }
    public string Trigger { get; init; } = "cli";

    /// <summary>Free-form settings for stages that need more than the above.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}
