using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Comb.Image.Registry;

/// <summary>
/// Auth state shared by every client of a transport, one <see cref="RegistryAccount"/> per registry and set of
/// credentials (a fingerprint of them, never the secret itself), so a second image of the same registry starts
/// with the scheme and the tokens the first one got. Bounded: past <see cref="MaxAccounts"/>, accounts without
/// a live token are dropped.
/// </summary>
internal sealed class RegistryAuthCache(TimeProvider time)
{
    private const int MaxAccounts = 1024;

    private readonly ConcurrentDictionary<string, RegistryAccount> _accounts = new(StringComparer.Ordinal);

    public DateTimeOffset Now => time.GetUtcNow();

    public int AccountCount => _accounts.Count;

    public RegistryAccount For(string registry, RegistryCredentials? credentials)
    {
        var key = registry.ToLowerInvariant() + "\n" + Fingerprint(credentials);
        if (_accounts.TryGetValue(key, out var account))
        {
            return account;
        }

        if (_accounts.Count >= MaxAccounts)
        {
            Prune();
        }

        return _accounts.GetOrAdd(key, _ => new RegistryAccount(this));
    }

    private void Prune()
    {
        var now = Now;
        foreach (var (key, account) in _accounts)
        {
            if (!account.HasLiveToken(now))
            {
                _accounts.TryRemove(key, out _);
            }
        }
    }

    private static string Fingerprint(RegistryCredentials? credentials)
    {
        if (credentials is null)
        {
            return "anonymous";
        }

        var material = string.Join('\0', credentials.Username, credentials.Password, credentials.IdentityToken, credentials.RegistryToken);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }
}

/// <summary>What one account learned about one registry: its auth scheme and its bearer tokens per scope.</summary>
internal sealed class RegistryAccount(RegistryAuthCache cache)
{
    private const int MaxTokens = 256;

    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);
    private volatile AuthChallenge? _bearer;
    private volatile bool _basic;

    /// <summary>Serialises token requests of this account, so concurrent scans ask the token server once.</summary>
    public SemaphoreSlim TokenLock { get; } = new(1, 1);

    public AuthChallenge? Bearer { get => _bearer; set => _bearer = value; }

    public bool Basic { get => _basic; set => _basic = value; }

    public DateTimeOffset Now => cache.Now;

    public string? FreshToken(string scope) =>
        _tokens.TryGetValue(scope, out var cached) && Now < cached.ExpiresAt ? cached.Token : null;

    public void Store(string scope, string token, DateTimeOffset expiresAt)
    {
        if (_tokens.Count >= MaxTokens)
        {
            var now = Now;
            foreach (var (key, value) in _tokens)
            {
                if (now >= value.ExpiresAt)
                {
                    _tokens.TryRemove(key, out _);
                }
            }

            if (_tokens.Count >= MaxTokens)
            {
                _tokens.Clear();
            }
        }

        _tokens[scope] = new CachedToken(token, expiresAt);
    }

    public bool HasLiveToken(DateTimeOffset now) => _tokens.Values.Any(t => now < t.ExpiresAt);

    private sealed record CachedToken(string Token, DateTimeOffset ExpiresAt);
}
