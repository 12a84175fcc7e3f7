namespace Comb.VulnDb.Database;

/// <summary>Where <c>comb db update</c> downloads from. <see cref="Mirror"/> replaces every base with one server laid out like an import directory.</summary>
public sealed record DbUpdateOptions
{
    public const string PublicOsvBase = "https://storage.googleapis.com/osv-vulnerabilities";
    public const string PublicDebianBase = "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data";
    public const string PublicAlpineBase = "https://secdb.alpinelinux.org";
    public const string PublicKevUrl = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json";

    /// <summary>gitleaks' maintained rule set: its allow-lists name published, non-secret values (sample keys and passwords).</summary>
    public const string PublicSecretRulesUrl = "https://raw.githubusercontent.com/gitleaks/gitleaks/master/config/gitleaks.toml";

    /// <summary>One base URL serving <c>osv/</c>, <c>debian/</c>, <c>alpine-secdb/</c>, <c>kev/</c> and <c>secrets/</c> (the import layout).</summary>
    public string? Mirror { get; init; }

    public string OsvBaseUrl { get; init; } = PublicOsvBase;
    public string DebianBaseUrl { get; init; } = PublicDebianBase;
    public string AlpineBaseUrl { get; init; } = PublicAlpineBase;
    public string KevUrl { get; init; } = PublicKevUrl;
    public string SecretRulesUrl { get; init; } = PublicSecretRulesUrl;

    public IReadOnlyList<string> OsvEcosystems { get; init; } =
        ["Debian", "Ubuntu", "Alpine", "AlmaLinux", "Rocky Linux", "npm", "PyPI", "Go", "Maven", "NuGet", "crates.io", "RubyGems", "Packagist"];

    /// <summary>Alpine branches to try; a branch the server does not have (404) is skipped.</summary>
    public IReadOnlyList<string> AlpineBranches { get; init; } = [.. Enumerable.Range(2, 22).Select(i => $"v3.{i}")];

    public int MaxAttempts { get; init; } = 4;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest file accepted (the whole OSV Debian export is a few hundred MB).</summary>
    public long MaxFileBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    internal string Osv => Mirror is { } m ? Join(m, "osv") : OsvBaseUrl;
    internal string Debian => Mirror is { } m ? Join(m, "debian") : DebianBaseUrl;
    internal string Alpine => Mirror is { } m ? Join(m, "alpine-secdb") : AlpineBaseUrl;
    internal string SecretRules => Mirror is { } m ? Join(m, "secrets/gitleaks.toml") : SecretRulesUrl;
    internal string Kev => Mirror is { } m ? Join(m, "kev/known_exploited_vulnerabilities.json") : KevUrl;

    internal static string Join(string baseUrl, string path) => baseUrl.TrimEnd('/') + "/" + path;
}
