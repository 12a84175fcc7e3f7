using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Comb.Engine.Cache;

/// <summary>
/// Layer facts on disk, keyed by (diffID, analyzer-set key). No global lock: every entry is written to a
/// unique temp file and renamed into place, so concurrent processes never see half an entry; an entry that
/// fails to read (torn, corrupt, old schema) is deleted and rebuilt. With a size limit (<see cref="SetMaxSize"/>)
/// the least recently used entries are evicted: a read marks its entry's access time, and a writer makes room
/// under a cross-process lock before renaming its entry in, so the limit holds while several processes write.
/// Evicting an entry another process is reading is safe: the reader keeps its open file.
/// </summary>
public sealed partial class LayerCache : ILayerCacheBackend
{
    // 3: sectioned entries (LayerFactsCodec); entries of earlier versions sit under other keys and are never read.
    private const int FormatVersion = 3;

    /// <summary>Entry file names: the current form, and the gzip JSON of versions up to 2 (still counted and evicted).</summary>
    private const string Extension = ".layer";
    private const string LegacyExtension = ".json.gz";

    private readonly ILogger _logger;

    /// <param name="logger">Where evictions are told (a long-running host sees what its cache dropped and why).</param>
    public LayerCache(string root, ILogger? logger = null)
    {
        Root = root;
        LayersDir = Path.Combine(root, "layers");
        _logger = logger ?? NullLogger.Instance;
    }

    public string Root { get; }

    public string Location => LayersDir;

    public string LayersDir { get; }

    public string TempDir => Path.Combine(Root, "tmp");

    /// <summary>Holds the size limit, so every process sharing the cache keeps to it.</summary>
    private string LimitFile => Path.Combine(Root, "layers-max-size");

    private string LockFile => Path.Combine(Root, "layers.lock");

    /// <summary>Cache key of an analyzer set: changes when any analyzer's id, version or options change.</summary>
    public static string AnalyzerSetKey(IEnumerable<IFileAnalyzer> analyzers) => AnalyzerSetKey(analyzers.Select(a => a.CacheKey));

    /// <summary>Cache key of the analyzers' cache keys (file and post-analyzers alike).</summary>
    public static string AnalyzerSetKey(IEnumerable<string> cacheKeys)
    {
        var text = $"v{FormatVersion}|" + string.Join('|', cacheKeys.Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    public async Task<LayerFacts?> GetAsync(string diffId, string analyzerKey, CancellationToken cancellationToken)
    {
        var path = PathOf(diffId, analyzerKey);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            byte[] entry;
            await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous))
            {
                entry = new byte[file.Length];
                await file.ReadExactlyAsync(entry, cancellationToken).ConfigureAwait(false);
            }

            if (LayerFactsCodec.Read(entry, diffId) is not { } facts)
            {
                return Discard(path);
            }

            MarkUsed(path);
            return facts;
        }
        catch (FileNotFoundException)
        {
            // Evicted by another process between the check and the open.
            return null;
        }
        catch (IOException)
        {
            return Discard(path);
        }
    }

    /// <summary>One cache directory per host: concurrent analyses of a layer each write a whole entry, the last rename wins.</summary>
    public Task<LayerTurn> TakeTurnAsync(string diffId, string analyzerKey, CancellationToken cancellationToken) => Task.FromResult(LayerTurn.Free);

    public async Task PutAsync(string analyzerKey, LayerFacts facts, CancellationToken cancellationToken)
    {
        var path = PathOf(facts.DiffId, analyzerKey);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await LayerFactsCodec.WriteAsync(file, facts, cancellationToken).ConfigureAwait(false);
            }

            if (MaxSize() is not { } max)
            {
                File.Move(temp, path, overwrite: true);
                return;
            }

            var size = new FileInfo(temp).Length;
            if (size > max)
            {
                return;
            }

            using (await LockAsync(cancellationToken).ConfigureAwait(false))
            {
                Evict(max - size, keep: path);
                File.Move(temp, path, overwrite: true);
            }
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public CacheInfo Info()
    {
        if (!Directory.Exists(LayersDir))
        {
            return new CacheInfo(Root, 0, 0);
        }

        var files = Entries();
        return new CacheInfo(Root, files.Count, files.Sum(f => f.Length));
    }

    /// <summary>The size limit every process applies when it writes an entry; null = no limit.</summary>
    public long? MaxSize()
    {
        try
        {
            return long.TryParse(File.ReadAllText(LimitFile).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var max) ? max : null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Records the size limit for every process using this cache (null removes it).</summary>
    public void SetMaxSize(long? maxBytes)
    {
        Directory.CreateDirectory(Root);
        if (maxBytes is null)
        {
            File.Delete(LimitFile);
            return;
        }

        var temp = $"{LimitFile}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temp, maxBytes.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(temp, LimitFile, overwrite: true);
    }

    /// <summary>Evicts least recently used entries until the cache holds at most <paramref name="maxBytes"/>; returns how many went.</summary>
    public async Task<int> PruneAsync(long maxBytes, CancellationToken cancellationToken)
    {
        using (await LockAsync(cancellationToken).ConfigureAwait(false))
        {
            return Evict(maxBytes, keep: null);
        }
    }

    /// <summary>Parses a size such as 500M, 2G, 2GiB, 64k or a byte count.</summary>
    public static long? ParseSize(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        t = t.EndsWith("IB", StringComparison.Ordinal) ? t[..^2] : t.EndsWith('B') ? t[..^1] : t;
        var unit = t.Length > 0 && char.IsAsciiLetter(t[^1]) ? t[^1] : ' ';
        var shift = unit switch { ' ' => 0, 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => -1 };
        var digits = unit == ' ' ? t : t[..^1];
        return shift >= 0 && long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= long.MaxValue >> shift
            ? n << shift
            : null;
    }

    private List<FileInfo> Entries() =>
        Directory.Exists(LayersDir) ? new DirectoryInfo(LayersDir).EnumerateFiles("*", SearchOption.AllDirectories)
            .Where(f => f.Name.EndsWith(Extension, StringComparison.Ordinal) || f.Name.EndsWith(LegacyExtension, StringComparison.Ordinal)).ToList() : [];

    /// <summary>Deletes the least recently used entries (other than <paramref name="keep"/>) until at most <paramref name="maxBytes"/> remain.</summary>
    private int Evict(long maxBytes, string? keep)
    {
        var entries = Entries();
        var total = entries.Sum(f => f.Length);
        var before = total;
        var removed = 0;
        foreach (var entry in entries.OrderBy(f => f.LastAccessTimeUtc).ThenBy(f => f.FullName, StringComparer.Ordinal))
        {
            if (total <= maxBytes)
            {
                break;
            }

            if (entry.FullName == keep)
            {
                continue;
            }

            // Gone either way (another process may have taken it first); the length is read before the delete clears it.
            total -= entry.Length;
            try
            {
                entry.Delete();
                removed++;
            }
            catch (IOException)
            {
            }
        }

        if (removed > 0)
        {
            LogEvicted(_logger, LayersDir, removed, before - total, maxBytes);
        }

        return removed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "layer cache {Location}: evicted {Entries} least recently used entries ({Bytes} bytes) to keep within {MaxBytes} bytes")]
    private static partial void LogEvicted(ILogger logger, string location, int entries, long bytes, long maxBytes);

    /// <summary>A read marks its entry used: eviction goes by this time, set explicitly so noatime mounts work too.</summary>
    private static void MarkUsed(string path)
    {
        try
        {
            File.SetLastAccessTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>An exclusive lock shared by every process using this cache (an OS file lock, released if a process dies).</summary>
    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        while (true)
        {
            try
            {
                return new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Removes cached layer facts (the advisory DB is kept).</summary>
    public int Clean()
    {
        var info = Info();
        if (Directory.Exists(LayersDir))
        {
            Directory.Delete(LayersDir, recursive: true);
        }

        if (Directory.Exists(TempDir))
        {
            Directory.Delete(TempDir, recursive: true);
        }

        return info.Entries;
    }

    private string PathOf(string diffId, string analyzerKey)
    {
        var hex = LayerFactsCodec.HexOf(diffId);
        return Path.Combine(LayersDir, hex[..2], $"{hex}-{analyzerKey}{Extension}");
    }

    private static LayerFacts? Discard(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }

        return null;
    }
}

public sealed record CacheInfo(string Root, int Entries, long Bytes);
