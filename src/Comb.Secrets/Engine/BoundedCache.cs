namespace Comb.Secrets.Engine;

/// <summary>
/// A process-wide cache with a fixed number of entries that drops the least recently used one when full, so a
/// long-running host that sees ever new rule sets or patterns keeps a bounded amount of compiled code.
/// The factory runs outside the lock; two callers racing on a new key may both build, and one result is kept.
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(int capacity)
    where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> _entries = new();
    private readonly LinkedList<(TKey Key, TValue Value)> _recency = new();
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> create)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                return node.Value.Value;
            }
        }

        var value = create(key);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var raced))
            {
                return raced.Value.Value;
            }

            _entries[key] = _recency.AddFirst((key, value));
            while (_entries.Count > capacity)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
            }

            return value;
        }
    }
}
