using System.Collections.Concurrent;
using System.Numerics;
using Comb.Contracts;

namespace Comb.VulnDb.Versioning;

/// <summary>
/// Shared shape of every scheme: parse both sides into a key, compare keys.
/// Fallback (documented contract): text the scheme cannot read at all sorts BEFORE every readable version,
/// and two unreadable strings compare by ordinal string order. That keeps <see cref="Compare"/> total and
/// transitive; callers that must not trust such an order check <see cref="IsValid"/> first.
/// </summary>
public abstract class VersionComparerBase<TKey> : IVersionComparer, IComparer<string>
    where TKey : class
{
    public abstract string Scheme { get; }

    public int Compare(string? left, string? right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (string.Equals(left, right, StringComparison.Ordinal))
        {
            return 0;
        }

        var a = ParseCached(left);
        var b = ParseCached(right);
        if (a is null || b is null)
        {
            if (a is not null)
            {
                return 1;
            }

            return b is not null ? -1 : Math.Sign(string.CompareOrdinal(left, right));
        }

        return Math.Sign(CompareKeys(a, b));
    }

    int IVersionComparer.Compare(string left, string right) => Compare(left, right);

    public virtual bool IsValid(string version) => version is not null && ParseCached(version) is not null;

    // Matchers compare one installed version with many range bounds (and the same bounds again and again):
    // parsed keys are kept, up to a bound, then the cache starts afresh.
    private const int CacheLimit = 16_384;
    private readonly ConcurrentDictionary<string, TKey?> _cache = new(StringComparer.Ordinal);
    private int _cached;

    protected TKey? ParseCached(string version)
    {
        if (_cache.TryGetValue(version, out var key))
        {
            return key;
        }

        key = Parse(version);
        if (Interlocked.Increment(ref _cached) > CacheLimit)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cached, 0);
        }

        _cache.TryAdd(version, key);
        return key;
    }

    /// <summary>The ordering key, or null when the scheme cannot order this text at all.</summary>
    protected internal abstract TKey? Parse(string version);

    protected abstract int CompareKeys(TKey left, TKey right);
}

/// <summary>Helpers for digit runs of any length (versions carry dates and hashes that overflow long).</summary>
internal static class Digits
{
    /// <summary>Compares two all-digit spans numerically, ignoring leading zeros.</summary>
    public static int Compare(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        if (a.Length != b.Length)
        {
            return a.Length < b.Length ? -1 : 1;
        }

        return Math.Sign(a.SequenceCompareTo(b));
    }

    public static bool AllDigits(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExcept("0123456789");

    public static BigInteger Parse(ReadOnlySpan<char> s) =>
        s.IsEmpty ? BigInteger.Zero : BigInteger.Parse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture);
}
