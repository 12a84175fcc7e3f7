using Comb.Contracts;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Comb.Engine.Cache;

/// <summary>
/// Layer entries in Redis, shared by every host that names the same server: one key per (diffID, analyzer set) holding
/// the same gzip-compressed JSON as a cache file. A host that misses takes a lock key (SET NX with an expiry it keeps
/// renewing while it analyses); the others wait for its entry instead of analysing the layer too, and take over when
/// the lock is released or lapses without an entry (the analysing host failed or died). Redis being unreachable in the
/// middle of a scan costs speed, not the scan: the layer is analysed here. Eviction is Redis's own (maxmemory-policy).
/// </summary>
internal sealed class RedisLayerCache(IDatabase database, string location, ILogger logger) : ILayerCacheBackend
{
    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan WaitPoll = TimeSpan.FromMilliseconds(100);

    public string Location { get; } = location;

    public static string KeyOf(string diffId, string analyzerKey) => $"comb:layer:{LayerFactsCodec.HexOf(diffId)}:{analyzerKey}";

    public async Task<LayerFacts?> GetAsync(string diffId, string analyzerKey, CancellationToken cancellationToken)
    {
        RedisValue value;
        try
        {
            value = await database.StringGetAsync(KeyOf(diffId, analyzerKey)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("layer cache {Location} unreachable ({Error}); analysing the layer here", Location, ex.Message);
            return null;
        }

        if (value.IsNull)
        {
            return null;
        }

        // A corrupt or foreign entry reads as a miss; the analysis that follows overwrites it.
        return LayerFactsCodec.Read((byte[])value!, diffId);
    }

    public async Task PutAsync(string analyzerKey, LayerFacts facts, CancellationToken cancellationToken)
    {
        using var bytes = new MemoryStream();
        await LayerFactsCodec.WriteAsync(bytes, facts, cancellationToken).ConfigureAwait(false);
        try
        {
            await database.StringSetAsync(KeyOf(facts.DiffId, analyzerKey), bytes.ToArray()).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("layer cache {Location}: entry not written ({Error})", Location, ex.Message);
        }
    }

    public async Task<LayerTurn> TakeTurnAsync(string diffId, string analyzerKey, CancellationToken cancellationToken)
    {
        var lockKey = KeyOf(diffId, analyzerKey) + ":lock";
        var token = Guid.NewGuid().ToString("N");
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (await database.LockTakeAsync(lockKey, token, LockTime).WaitAsync(cancellationToken).ConfigureAwait(false))
                {
                    var holding = new LockHolding(database, lockKey, token);
                    // The previous holder may have written the entry between our miss and our lock.
                    if (await GetAsync(diffId, analyzerKey, cancellationToken).ConfigureAwait(false) is { } written)
                    {
                        await holding.ReleaseAsync().ConfigureAwait(false);
                        return new LayerTurn(written);
                    }

                    return new LayerTurn(null, holding.ReleaseAsync);
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                logger.LogWarning("layer cache {Location} unreachable ({Error}); analysing the layer here", Location, ex.Message);
                return LayerTurn.Free;
            }

            if (await GetAsync(diffId, analyzerKey, cancellationToken).ConfigureAwait(false) is { } facts)
            {
                return new LayerTurn(facts);
            }

            await Task.Delay(WaitPoll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A held lock, renewed until released so a long analysis keeps it; it lapses by itself if this process dies.</summary>
    private sealed class LockHolding
    {
        private readonly IDatabase _database;
        private readonly string _key;
        private readonly string _token;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewal;

        public LockHolding(IDatabase database, string key, string token)
        {
            _database = database;
            _key = key;
            _token = token;
            _renewal = RenewAsync();
        }

        public async ValueTask ReleaseAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _renewal.ConfigureAwait(false);
            _stop.Dispose();
            try
            {
                await _database.LockReleaseAsync(_key, _token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // It lapses after LockTime; waiting hosts then take over.
            }
        }

        private async Task RenewAsync()
        {
            using var timer = new PeriodicTimer(LockTime / 3);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                {
                    try
                    {
                        await _database.LockExtendAsync(_key, _token, LockTime).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is RedisException or TimeoutException)
                    {
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
