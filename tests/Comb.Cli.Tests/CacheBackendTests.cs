using System.Text.RegularExpressions;
using Comb.Testing.Images;
using Comb.Testing.Services;

namespace Comb.Cli.Tests;

/// <summary>comb scan --cache-backend: separate comb processes, each with its own cache directory, sharing a real Redis.</summary>
public sealed partial class CacheBackendTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("comb-cache-backend-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_second_process_sharing_Redis_analyses_none_of_the_layers_the_first_analysed()
    {
        var url = redis.NewDatabaseUrl();
        var image = Image();

        var first = await ScanAsync(image, "first", url);
        var second = await ScanAsync(image, "second", url);

        Assert.True(first.Code == 0, first.Err);
        Assert.True(second.Code == 0, second.Err);
        Assert.Equal((3, 0), Layers(first.Err));
        Assert.Equal((0, 3), Layers(second.Err));
        Assert.False(Directory.Exists(Path.Combine(_root, "second-cache", "layers")));
    }

    [Fact]
    public async Task Without_a_backend_each_cache_directory_analyses_its_own_layers()
    {
        var image = Image();

        var first = await ScanAsync(image, "first", null);
        var second = await ScanAsync(image, "second", "fs");

        Assert.Equal((3, 0), Layers(first.Err));
        Assert.Equal((3, 0), Layers(second.Err));
    }

    [Theory]
    [InlineData("memcached://127.0.0.1:1", "unknown cache backend")]
    [InlineData("redis://127.0.0.1:6379/x", "database must be a number")]
    public async Task A_bad_backend_is_exit_code_2_with_the_reason(string url, string reason)
    {
        var result = await ScanAsync(Image(), "bad", url);

        Assert.Equal(2, result.Code);
        Assert.Contains(reason, result.Err, StringComparison.Ordinal);
    }

    private Task<(int Code, string Err)> ScanAsync(string image, string name, string? backend) =>
        CombProcess.RunAsync([
            "scan", "oci:" + image, "--scanners", "secret", "--no-store", "--format", "json", "--output", Path.Combine(_root, name + ".json"),
            "--cache-dir", Path.Combine(_root, name + "-cache"), .. backend is null ? Array.Empty<string>() : ["--cache-backend", backend]]);

    /// <summary>Layers the process analysed and layers it found cached, from its progress lines.</summary>
    private static (int Analyzed, int Cached) Layers(string stderr) =>
        (LayerLine().Matches(stderr).Count(m => m.Groups[1].Value == "analyzed"), LayerLine().Matches(stderr).Count(m => m.Groups[1].Value == "cached"));

    private string Image()
    {
        var path = Path.Combine(_root, "img");
        if (!Directory.Exists(path))
        {
            var image = new TestImage();
            foreach (var layer in Enumerable.Range(0, 3))
            {
                image.Layer(l => l.File($"app/part{layer}/index.js", $"module.exports = {layer}; // {_root}\n"));
            }

            image.WriteOciLayout(path);
        }

        return path;
    }

    [GeneratedRegex(@": layer \d+/\d+ \S+ (analyzed|cached)")]
    private static partial Regex LayerLine();
}
