using Comb.Testing.Images;

namespace Comb.Cli.Tests;

/// <summary>The layer cache's size limit, kept by separate comb processes that scan and read at once.</summary>
public sealed class CachePruneTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("comb-prune-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_layer_cache_stays_under_max_size_while_four_processes_scan_and_read()
    {
        var images = Enumerable.Range(0, 4).Select(Image).ToList();

        // One entry's size, from a cache of its own, sets a limit that holds about four of the sixteen entries.
        var probe = Path.Combine(_root, "probe");
        Assert.Equal(0, (await RunAsync("scan", "oci:" + images[0], "--scanners", "secret", "--no-store", "-q", "--format", "json", "--output", Path.Combine(_root, "probe.json"), "--cache-dir", probe)).Code);
        var probeEntries = Entries(probe);
        var limit = probeEntries.Sum(f => f.Length) / probeEntries.Count * 9 / 2;
        var cache = Path.Combine(_root, "cache");
        var set = await RunAsync("cache", "prune", "--cache-dir", cache, "--max-size", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, set.Code);

        using var stop = new CancellationTokenSource();
        var largest = 0L;
        var samples = 0;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                // Under the cache's own lock, which every writer holds to evict and rename: the entries are walked
                // folder by folder, and without it a walk can count an entry evicted and its replacement both.
                using (await CacheLockAsync(cache))
                {
                    largest = Math.Max(largest, Entries(cache).Sum(f => f.Length));
                }

                samples++;
                await Task.Delay(2);
            }
        });

        // Each process scans its own image, the next one's, and its own again (one report per distinct image): writes, reads of entries others wrote, evictions.
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(p => RunAsync(
            "scan", "oci:" + images[p], "oci:" + images[(p + 1) % 4], "oci:" + images[p], "--scanners", "secret", "--no-store", "-q", "--parallel", "1",
            "--format", "json", "--output", Path.Combine(_root, $"out{p}"), "--cache-dir", cache)));
        await stop.CancelAsync();
        await sampler;

        Assert.All(runs, r => Assert.True(r.Code == 0, r.Err));
        Assert.All(Enumerable.Range(0, 4), p => Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(_root, $"out{p}")).Count()));
        Assert.True(samples > 0);
        Assert.InRange(largest, 1, limit);
        Assert.InRange(Entries(cache).Sum(f => f.Length), 1, limit);
        Assert.True(Entries(cache).Count < 16, "some entries were evicted");
    }

    [Fact]
    public async Task A_size_that_does_not_parse_is_a_usage_error()
    {
        var result = await CliRunner.RunAsync("cache", "prune", "--cache-dir", Path.Combine(_root, "c"), "--max-size", "lots");
        Assert.Equal(2, result.Code);
        Assert.Contains("not a size", result.Err, StringComparison.Ordinal);
    }

    private string Image(int n)
    {
        var path = Path.Combine(_root, $"img{n}");
        var image = new TestImage();
        foreach (var layer in Enumerable.Range(0, 4))
        {
            image.Layer(l => l.File($"app{n}/part{layer}/index.js", string.Concat(Enumerable.Repeat($"module.exports = {(n * 10) + layer};\n", 50))));
        }

        image.WriteOciLayout(path);
        return path;
    }

    private static List<FileInfo> Entries(string cacheDir)
    {
        var layers = new DirectoryInfo(Path.Combine(cacheDir, "layers"));
        var found = new List<FileInfo>();
        if (!layers.Exists)
        {
            return found;
        }

        foreach (var file in layers.EnumerateFiles("*.layer", SearchOption.AllDirectories))
        {
            try
            {
                // A file evicted between listing and reading its length no longer counts.
                _ = file.Length;
                found.Add(file);
            }
            catch (FileNotFoundException)
            {
            }
        }

        return found;
    }

    /// <summary>The exclusive lock the comb processes sharing this cache take before evicting and writing entries.</summary>
    private static async Task<FileStream> CacheLockAsync(string cacheDir)
    {
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(cacheDir, "layers.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(1);
            }
        }
    }

    private static Task<(int Code, string Err)> RunAsync(params string[] args) => CombProcess.RunAsync(args);
}
