namespace Comb.Server.Admission;

/// <summary>The admission webhook's settings, configuration section "Comb:Admission" (`comb server --admission ...` sets them).</summary>
public sealed class AdmissionSettings
{
    public const string Section = "Comb:Admission";

    /// <summary>Serve POST /admission/v1/validate (and everything else) over HTTPS with <see cref="TlsCert"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>PEM serving certificate (chain) and its private key.</summary>
    public string? TlsCert { get; set; }

    public string? TlsKey { get; set; }

    /// <summary>The policy file that decides (default: the built-in policy).</summary>
    public string? Policy { get; set; }

    /// <summary>The trust policy (registries, base images, signing keys); default: the policy's trust section.</summary>
    public string? TrustPolicy { get; set; }

    /// <summary>What the webhook configuration says: Fail or Ignore. Decides the answer when Comb cannot decide in time.</summary>
    public string FailurePolicy { get; set; } = "Fail";

    /// <summary>The webhook's timeoutSeconds, used when the API server's request carries no ?timeout=.</summary>
    public double TimeoutSeconds { get; set; } = 10;

    /// <summary>Answered this long before the API server gives up (network, writing the answer).</summary>
    public double MarginSeconds { get; set; } = 1.5;

    /// <summary>Namespaces never judged (also left out by the webhook's namespaceSelector).</summary>
    public List<string> ExcludeNamespaces { get; set; } = [];

    /// <summary>Plain HTTP and self-signed TLS for registries (digest lookups, signatures, scans).</summary>
    public bool InsecureRegistry { get; set; }

    /// <summary>Registry credentials for the server's own pulls (else COMB_USERNAME/COMB_PASSWORD or the Docker config).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>os/arch[/variant] picked from multi-platform images (default: the scanner's default).</summary>
    public string? Platform { get; set; }

    /// <summary>How long a tag's digest is trusted before it is looked up again.</summary>
    public double DigestCacheSeconds { get; set; } = 30;

    /// <summary>How long a decision is kept (its key already changes with the policy and the advisory database).</summary>
    public double DecisionCacheSeconds { get; set; } = 600;

    /// <summary>Reviews judged at once; more are answered at once as undecided (overloaded).</summary>
    public int MaxConcurrentReviews { get; set; } = 64;

    public bool IgnoresFailures => string.Equals(FailurePolicy, "Ignore", StringComparison.OrdinalIgnoreCase);

    /// <summary>The problem with these settings, or null.</summary>
    public string? Validate()
    {
        if (!Enabled)
        {
            return null;
        }

        if (string.IsNullOrEmpty(TlsCert) || string.IsNullOrEmpty(TlsKey))
        {
            return "--admission needs --tls-cert and --tls-key (see `comb admission certs`)";
        }

        if (FailurePolicy is not ("Fail" or "Ignore"))
        {
            return $"failure policy must be Fail or Ignore (got '{FailurePolicy}')";
        }

        if (TimeoutSeconds is < 1 or > 30)
        {
            return $"admission timeout must be 1-30 seconds, as Kubernetes allows (got {TimeoutSeconds})";
        }

        return MarginSeconds < 0 || MarginSeconds >= TimeoutSeconds ? $"admission margin {MarginSeconds} s must be below the timeout {TimeoutSeconds} s" : null;
    }
}
