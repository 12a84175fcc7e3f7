using System.Collections.Concurrent;
using Comb.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Comb.Engine.Cache;

/// <summary>
/// Opens the layer cache backend a scan names: the cache directory when none (or <c>fs</c>) is named, Redis for a
/// <c>redis://</c> address. One connection per Redis address for the host's lifetime (connections are meant to be
/// shared), closed when the host disposes this.
/// </summary>
public sealed class LayerCacheBackends(ILogger<LayerCacheBackends>? logger = null) : IAsyncDisposable, IDisposable
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;
    private readonly Lock _gate = new();

    // Made on the first redis:// scan: the filesystem cache (the default) never loads the Redis client.
    private RedisConnections? _redis;

    /// <summary>Checks a backend address without connecting (for a host's settings at start); throws <see cref="CombInputException"/> when malformed.</summary>
    public static void Validate(string? url)
    {
        if (IsFileSystem(url))
        {
            return;
        }

        if (!RedisCacheUrl.IsRedis(url))
        {
            throw new CombInputException($"unknown cache backend '{url.Split('@')[^1]}': use fs (the cache directory) or redis://host:port[/db]");
        }

        RedisCacheUrl.Parse(url);
    }

    private static bool IsFileSystem([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] string? url) => string.IsNullOrWhiteSpace(url) || url.Trim().ToLowerInvariant() is "fs" or "filesystem";

    /// <summary>The backend for <paramref name="url"/>; the filesystem one lives in <paramref name="cacheDir"/>.</summary>
    public async Task<ILayerCacheBackend> OpenAsync(string? url, string cacheDir, CancellationToken cancellationToken)
    {
        if (IsFileSystem(url))
        {
            return new LayerCache(cacheDir, _logger);
        }

        if (!RedisCacheUrl.IsRedis(url))
        {
            throw new CombInputException($"unknown cache backend '{url.Split('@')[^1]}': use fs (the cache directory) or redis://host:port[/db]");
        }

        RedisConnections redis;
        lock (_gate)
        {
            redis = _redis ??= new RedisConnections(_logger);
        }

        return await redis.OpenAsync(url, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _redis?.DisposeAsync() ?? ValueTask.CompletedTask;

    public void Dispose() => _redis?.Dispose();

    /// <summary>One connection per Redis address for the host's lifetime.</summary>
    private sealed class RedisConnections(ILogger logger) : IAsyncDisposable, IDisposable
    {
        private readonly ConcurrentDictionary<string, Lazy<Task<ConnectionMultiplexer>>> _connections = new(StringComparer.Ordinal);

        public async Task<ILayerCacheBackend> OpenAsync(string url, CancellationToken cancellationToken)
        {
            var redis = RedisCacheUrl.Parse(url);
            var connection = await _connections.GetOrAdd(url, _ => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectAsync(url, redis))).Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new RedisLayerCache(connection.GetDatabase(redis.Database), redis.Display, logger);
        }

        private async Task<ConnectionMultiplexer> ConnectAsync(string url, RedisCacheUrl redis)
        {
            try
            {
                return await ConnectionMultiplexer.ConnectAsync(redis.Configuration).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Not kept: the next scan tries again.
                _connections.TryRemove(url, out _);
                throw new CombInputException($"cache backend {redis.Display} cannot be reached: {ex.Message}", ex, CombErrorKind.UpstreamFailure);
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var connection in _connections.Values.Where(c => c.IsValueCreated && c.Value.IsCompletedSuccessfully))
            {
                await connection.Value.Result.DisposeAsync().ConfigureAwait(false);
            }

            _connections.Clear();
        }

        public void Dispose()
        {
            foreach (var connection in _connections.Values.Where(c => c.IsValueCreated && c.Value.IsCompletedSuccessfully))
            {
                connection.Value.Result.Dispose();
            }

            _connections.Clear();
        }
    }
}
