using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Comb.Storage;

/// <summary>
/// A bounded memo in two generations: when the current one holds <c>capacity</c> entries it becomes the old one and
/// a new one starts; an entry found in the old generation moves to the current one. What most lookups share (a
/// fleet's base) stays however many entries pass through, and each image's own entries age out. Lookups take no lock.
/// </summary>
internal sealed class GenerationCache<TKey, TValue>(int capacity, IEqualityComparer<TKey> comparer)
    where TKey : notnull
{
    private ConcurrentDictionary<TKey, TValue> _current = new(comparer);
    private ConcurrentDictionary<TKey, TValue> _older = new(comparer);
    private readonly Lock _turn = new();
    private int _count;

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (_current.TryGetValue(key, out value))
        {
            return true;
        }

        if (_older.TryGetValue(key, out value))
        {
            Set(key, value);
            return true;
        }

        return false;
    }

    /// <summary>Keeps (or replaces) the entry in the current generation.</summary>
    public void Set(TKey key, TValue value)
    {
        if (Volatile.Read(ref _count) >= capacity)
        {
            lock (_turn)
            {
                if (_count >= capacity)
                {
                    _older = _current;
                    _current = new ConcurrentDictionary<TKey, TValue>(comparer);
                    Volatile.Write(ref _count, 0);
                }
            }
        }

        var current = _current;
        if (current.TryAdd(key, value))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            current[key] = value;
        }
    }
}
