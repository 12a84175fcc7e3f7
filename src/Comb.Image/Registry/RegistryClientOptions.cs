using Microsoft.Extensions.Logging;

namespace Comb.Image.Registry;

/// <summary>How a <see cref="RegistryClient"/> talks to one registry.</summary>
public sealed record RegistryClientOptions
{
    /// <summary>Allow plain HTTP (tried after HTTPS fails) and accept TLS certificates that do not verify.</summary>
    public bool Insecure { get; init; }

    public RegistryCredentials? Credentials { get; init; }

    /// <summary>Attempts per request for transient failures (5xx, 429, resets, timeouts); 1 = no retry.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Delay before the first retry; doubles each time (with jitter), capped at <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Time allowed until response headers arrive (bodies stream without a deadline).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Largest manifest accepted (the spec asks for at least 4 MB).</summary>
    public int MaxManifestBytes { get; init; } = 8 * 1024 * 1024;

    public ILogger? Logger { get; init; }
}
