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

    /// <summary>Where analysed layers are kept: null or <c>fs</c> for the cache directory, <c>redis://host:port[/db]</c> to share them between hosts.</summary>
    public string? CacheBackend { get; init; }

    /// <summary>Advisory DB path; default is &lt;cache&gt;/db/comb.db.</summary>
    public string? DbPath { get; init; }

    /// <summary>Warn when the advisory DB was built longer ago than this.</summary>
    public TimeSpan DbMaxAge { get; init; } = TimeSpan.FromDays(7);

    public ImagePlatform? Platform { get; init; }
    public bool InsecureRegistry { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>Credentials for this scan only, by registry host (e.g. "registry.example:5000"); they win over the environment and the Docker config.</summary>
    public IReadOnlyDictionary<string, RegistryCredential> RegistryCredentials { get; init; } = new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase);

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

    /// <summary>The ignore list as content (a request's), instead of <see cref="IgnoreFile"/>.</summary>
    public ScanDocument? Ignore { get; init; }

    /// <summary>OpenVEX documents as content, read after <see cref="VexFiles"/>.</summary>
    public IReadOnlyList<ScanDocument> Vex { get; init; } = [];

    public string? SecretConfig { get; init; }

    /// <summary>Secret rules as content (YAML, or gitleaks TOML when the name ends in .toml), instead of <see cref="SecretConfig"/>.</summary>
    public ScanDocument? SecretRules { get; init; }

    public string? ClamdAddress { get; init; }
    public string? YaraRules { get; init; }
    public string? HashList { get; init; }

    /// <summary>Malware engines to run (hash, yara, clamav, webshell); null = every engine available.</summary>
    public IReadOnlySet<string>? MalwareEngines { get; init; }

    public string? PolicyFile { get; init; }

    /// <summary>The policy as content, instead of <see cref="PolicyFile"/>; parsed once per scan either way.</summary>
    public ScanDocument? Policy { get; init; }

    /// <summary>Settings of the image configuration checks.</summary>
    public ConfigCheckOptions ConfigChecks { get; init; } = new();

    /// <summary>What fails the scan besides the policy (fail-on severity, exit code on findings).</summary>
    public VerdictOptions Verdict { get; init; } = new();
    public string? TrustPolicyFile { get; init; }
    public string? Dockerfile { get; init; }

    /// <summary>Scan store: a SQLite path or a postgres:// URL; null = default SQLite in the cache dir.</summary>
    public string? StorePath { get; init; }
    public bool NoStore { get; init; }
    public string Trigger { get; init; } = "cli";

    /// <summary>The ignore list to apply: <see cref="Ignore"/>, else the file <see cref="IgnoreFile"/> names.</summary>
    public ScanDocument? IgnoreDocument => Ignore ?? ScanDocument.FromFileOrNull(IgnoreFile);

    /// <summary>Every VEX document to apply: the files, then the content given.</summary>
    public IReadOnlyList<ScanDocument> VexDocuments => [.. VexFiles.Select(ScanDocument.FromFile), .. Vex];

    /// <summary>The secret rules to use: <see cref="SecretRules"/>, else the file <see cref="SecretConfig"/> names.</summary>
    public ScanDocument? SecretConfigDocument => SecretRules ?? ScanDocument.FromFileOrNull(SecretConfig);
}
