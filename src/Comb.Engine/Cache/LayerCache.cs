using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Comb.Contracts;

namespace Comb.Engine.Cache;

/// <summary>
/// Layer facts on disk, keyed by (diffID, analyzer-set key). No global lock: every entry is written to a
/// unique temp file and renamed into place, so concurrent processes never see half an entry; an entry that
/// fails to read (torn, corrupt, old schema) is deleted and rebuilt.
/// </summary>
public sealed class LayerCache
{
    private const int FormatVersion = 2;

    public LayerCache(string root)
    {
        Root = root;
        LayersDir = Path.Combine(root, "layers");
    }

    public string Root { get; }

    public string LayersDir { get; }

    public string TempDir => Path.Combine(Root, "tmp");

    public static string DefaultRoot()
    {
        var env = Environment.GetEnvironmentVariable("COMB_CACHE_DIR");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var baseDir = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(baseDir, "comb");
    }

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
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            var facts = await JsonSerializer.DeserializeAsync<LayerFacts>(gzip, CacheJson.Options, cancellationToken).ConfigureAwait(false);
            return facts is not null && facts.DiffId == diffId ? facts : Discard(path);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException or IOException or NotSupportedException)
        {
            return Discard(path);
        }
    }

    public async Task PutAsync(string analyzerKey, LayerFacts facts, CancellationToken cancellationToken)
    {
        var path = PathOf(facts.DiffId, analyzerKey);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            {
                await JsonSerializer.SerializeAsync(gzip, facts, CacheJson.Options, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, path, overwrite: true);
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

        var files = new DirectoryInfo(LayersDir).EnumerateFiles("*.json.gz", SearchOption.AllDirectories).ToList();
        return new CacheInfo(Root, files.Count, files.Sum(f => f.Length));
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
        var hex = diffId[(diffId.IndexOf(':', StringComparison.Ordinal) + 1)..];
        if (hex.Length < 4 || hex.Any(c => !char.IsAsciiHexDigit(c)))
        {
            throw new ArgumentException($"not a digest: {diffId}", nameof(diffId));
        }

        return Path.Combine(LayersDir, hex[..2], $"{hex}-{analyzerKey}.json.gz");
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

internal static class CacheJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
