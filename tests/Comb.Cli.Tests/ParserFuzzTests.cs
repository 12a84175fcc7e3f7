using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Comb.Contracts;
using Comb.Engine;
using Comb.Testing;
using Comb.Testing.Fuzzing;
using Comb.Testing.Images;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Cli.Tests;

/// <summary>Runs alone: the memory guard reads process-wide allocation counts.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "fuzz";
}

/// <summary>
/// Feeds every parser that reads image content random and mutated input (a fixed budget, a fixed seed): archives and
/// their manifests and configs, compressed and plain layers, package databases, lock files, archives and scripts.
/// Malformed input must end as an input error or a diagnostic, never an internal error, a hang or unbounded memory.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class ParserFuzzTests : IDisposable
{
    private const int Seed = 19;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(30);
    private const long MemoryBudget = 1L << 30;

    private readonly string _dir = Directory.CreateTempSubdirectory("comb-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Random_bytes_given_as_a_docker_archive_exit_2_with_a_message()
    {
        var mutator = new Mutator(Seed);
        for (var i = 0; i < 12; i++)
        {
            var file = Path.Combine(_dir, $"random-{i}.tar");
            await File.WriteAllBytesAsync(file, mutator.RandomBytes(i % 3 == 0 ? 600 : 20_000), TestContext.Current.CancellationToken);

            var (code, _, err) = await CliRunner.RunAsync("scan", "docker-archive:" + file, "--scanners", "vuln", "--cache-dir", Path.Combine(_dir, "cache"), "--no-store", "-q");

            Assert.True(code == ExitCodes.InputError, $"case {i}: exit {code}: {err}");
            Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Mutated_image_archives_fail_only_as_input_errors()
    {
        var ct = TestContext.Current.CancellationToken;
        var files = SeedFiles(maxPerFormat: 1, maxBytes: 64 * 1024).Take(12).ToList();
        var seeds = new List<(string Reference, byte[] Bytes)>();
        foreach (var (kind, legacy, compression) in new[] { ("docker-archive", true, LayerCompression.None), ("docker-archive", false, LayerCompression.Gzip), ("oci-archive", false, LayerCompression.Zstd) })
        {
            var image = new TestImage { Compression = compression }.Layer(l =>
            {
                foreach (var (path, content) in files)
                {
                    l.File(path, content);
                }
            });
            var file = Path.Combine(_dir, $"seed-{kind}-{compression}.tar");
            if (kind == "oci-archive")
            {
                image.WriteOciArchive(file);
            }
            else
            {
                image.WriteDockerArchive(file, legacy: legacy);
            }

            seeds.Add((kind, await File.ReadAllBytesAsync(file, ct)));
        }

        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var scanner = services.GetRequiredService<ImageScanner>();
        var options = new ScanOptions { CacheDir = Path.Combine(_dir, "cache"), NoStore = true, Scanners = new HashSet<string>([Scanners.Vuln], StringComparer.Ordinal) };
        var mutator = new Mutator(Seed);
        var runner = new FuzzRunner(CaseTimeout, MemoryBudget);
        for (var i = 0; i < 150; i++)
        {
            var (kind, bytes) = seeds[i % seeds.Count];
            var input = i % 10 == 9 ? mutator.RandomBytes(bytes.Length) : mutator.Mutate(bytes, [.. seeds.Select(s => s.Bytes)]);
            var file = Path.Combine(_dir, $"case-{i}.tar");
            await File.WriteAllBytesAsync(file, input, ct);
            await runner.RunAsync($"case {i} ({kind})", async token => await scanner.InventoryAsync($"{kind}:{file}", options, null, token), ct);
            File.Delete(file);
        }

        Assert.True(runner.Failures.Count == 0, runner.Report());
        Assert.True(runner.InputErrors > 0, "no case was rejected: the mutations do not reach the parsers");
    }

    [Fact]
    public async Task Mutated_layer_tars_with_valid_digests_are_input_errors_or_diagnostics()
    {
        var ct = TestContext.Current.CancellationToken;
        var layer = new TestLayer();
        foreach (var (path, content) in SeedFiles(maxPerFormat: 1, maxBytes: 256 * 1024))
        {
            layer.File(path, content);
        }

        var tar = layer.ToTar();
        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var scanner = services.GetRequiredService<ImageScanner>();
        var options = new ScanOptions { CacheDir = Path.Combine(_dir, "cache"), NoStore = true };
        var mutator = new Mutator(Seed);
        var runner = new FuzzRunner(CaseTimeout, MemoryBudget);
        var crashes = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var mutated = mutator.Mutate(tar, []);
            var compression = (LayerCompression)(i % 3);
            var file = Path.Combine(_dir, $"layer-{i}.tar");
            WriteDockerArchive(file, mutated, compression);
            await runner.RunAsync($"layer case {i} ({compression})", async token =>
            {
                var inventory = await scanner.InventoryAsync("docker-archive:" + file, options with { CacheDir = Path.Combine(_dir, "cache-" + i) }, null, token);
                crashes.AddRange(inventory.Diagnostics.Where(d => LooksLikeABug(d.Message)).Select(d => $"layer case {i}: {d.Source}: {d.Message}"));
            }, ct);
            File.Delete(file);
        }

        Assert.True(runner.Failures.Count == 0, runner.Report());
        Assert.True(crashes.Count == 0, string.Join(Environment.NewLine, crashes.Take(10)));
    }

    [Fact]
    public async Task Mutated_package_databases_lock_files_archives_and_scripts_are_diagnostics_not_crashes()
    {
        var ct = TestContext.Current.CancellationToken;
        var seeds = SeedFiles(maxPerFormat: 2, maxBytes: 8 << 20).ToList();
        Assert.True(seeds.Count >= 40, $"only {seeds.Count} seed files");
        await using var services = new ServiceCollection().AddComb().BuildServiceProvider();
        var options = new ScanOptions { NoStore = true };
        var providers = services.GetServices<IAnalyzerProvider>().ToList();
        var analyzers = providers.SelectMany(p => p.CreateFileAnalyzers(options)).ToList();
        var posts = providers.SelectMany(p => p.CreatePostAnalyzers(options)).ToList();
        try
        {
            var mutator = new Mutator(Seed);
            var runner = new FuzzRunner(CaseTimeout, MemoryBudget);
            var pool = seeds.Select(s => s.Content).ToList();
            for (var i = 0; i < 800; i++)
            {
                var (path, content) = seeds[i % seeds.Count];
                var input = i % 16 == 15 ? mutator.RandomBytes(4096) : mutator.Mutate(content, pool);
                var tester = AnalyzerTester.For(analyzers, posts).WithFile(path, input);
                await runner.RunAsync($"{path} case {i}", async token => await tester.RunAsync(token), ct);
            }

            Assert.True(runner.Failures.Count == 0, runner.Report());
        }
        finally
        {
            foreach (var analyzer in analyzers.Cast<object>().Concat(posts))
            {
                (analyzer as IDisposable)?.Dispose();
            }
        }
    }

    /// <summary>Messages of runtime faults (a parser bug) as opposed to a content problem the parser describes.</summary>
    private static bool LooksLikeABug(string message) =>
        message.Contains("Object reference not set", StringComparison.Ordinal)
        || message.Contains("was outside the bounds of the array", StringComparison.Ordinal)
        || message.Contains("out of the range of valid values", StringComparison.Ordinal)
        || message.Contains("Arithmetic operation resulted in an overflow", StringComparison.Ordinal)
        || message.Contains("Attempted to divide by zero", StringComparison.Ordinal);

    /// <summary>A legacy docker archive whose one layer is <paramref name="tar"/>, digests computed for it as given.</summary>
    private static void WriteDockerArchive(string file, byte[] tar, LayerCompression compression)
    {
        var blob = compression switch
        {
            LayerCompression.Gzip => Gzip(tar),
            LayerCompression.Zstd => new ZstdSharp.Compressor(3).Wrap(tar).ToArray(),
            _ => tar,
        };
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject(),
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(TestImage.Digest(tar)) },
        };
        var configBytes = Encoding.UTF8.GetBytes(config.ToJsonString());
        using var stream = File.Create(file);
        using var writer = new TarWriter(stream, TarEntryFormat.Pax);
        void Add(string name, byte[] data) => writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        Add("config.json", configBytes);
        Add("layer/layer.tar", blob);
        Add("manifest.json", Encoding.UTF8.GetBytes("""[{"Config":"config.json","RepoTags":["fuzz:1"],"Layers":["layer/layer.tar"]}]"""));
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    /// <summary>
    /// Real inputs at their in-image paths: the peers' fixtures of every package format (dpkg, apk, rpm databases,
    /// lock files, jars, binaries) and web shells of each language. Skips the test when the shared data is absent.
    /// </summary>
    private static IEnumerable<(string Path, byte[] Content)> SeedFiles(int maxPerFormat, int maxBytes)
    {
        var fixtures = SharedData.Require("peer-fixtures");
        foreach (var format in Directory.EnumerateDirectories(fixtures).Order(StringComparer.Ordinal))
        {
            foreach (var input in Directory.EnumerateDirectories(format).Order(StringComparer.Ordinal)
                .Select(c => Path.Combine(c, "input")).Where(Directory.Exists).Take(maxPerFormat))
            {
                foreach (var file in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    if (new FileInfo(file).Length is > 0 and var length && length <= maxBytes)
                    {
                        yield return (Path.GetRelativePath(input, file).Replace('\\', '/'), File.ReadAllBytes(file));
                    }
                }
            }
        }

        var webshells = SharedData.Require("malware", "webshells");
        foreach (var zipPath in Directory.EnumerateFiles(webshells, "*.zip", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var zip = ZipFile.OpenRead(zipPath);
            foreach (var entry in zip.Entries.Where(e => e.Length is > 0 and < 200_000).OrderBy(e => e.FullName, StringComparer.Ordinal).Take(maxPerFormat * 2))
            {
                using var s = entry.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                yield return ("var/www/html/" + Path.GetFileName(entry.FullName), ms.ToArray());
            }
        }
    }
}
