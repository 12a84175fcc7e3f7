using Comb.Contracts;
using Comb.Engine.Walk;
using Comb.Image;
using Comb.Image.Local;
using Comb.Testing.Images;

namespace Comb.Engine.Tests;

/// <summary>Post-analyzers (related files of a layer together), package details joined across layers, OS-owned files, walk metrics.</summary>
public sealed class PostAnalysisTests
{
    [Fact]
    public async Task A_post_analyzer_sees_the_related_files_of_a_layer_together()
    {
        // Given a lock file and its manifest (one large enough to spill to disk) written by one layer
        using var fx = new Fixture();
        new TestImage()
            .Layer(l => l.By("COPY app").File("app/deps.lock", "a 1\nb 2\n").File("app/deps.manifest", "dev b\n" + new string('#', 6 * 1024 * 1024)).File("other/deps.lock", "c 3\n"))
            .WriteOciLayout(fx.Path("img"));

        // When the image is inventoried with development dependencies
        var inventory = await fx.InventoryAsync("img", includeDevDeps: true);

        // Then the manifest marked b as dev; a lock without a manifest is read alone
        var byName = inventory.Packages.ToDictionary(p => p.Name);
        Assert.False(byName["a"].Dev);
        Assert.True(byName["b"].Dev);
        Assert.False(byName["c"].Dev);
        Assert.Equal(["app/deps.lock", "other/deps.lock"], inventory.PackageSets.Select(s => s.FilePath));

        // and by default the development-only package is left out
        var byDefault = await fx.InventoryAsync("img");
        Assert.Equal(["a", "c"], byDefault.Packages.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_hard_link_to_a_kept_file_is_seen_under_its_own_path()
    {
        using var fx = new Fixture();
        new TestImage()
            .Layer(l => l.By("COPY").File("app/deps.lock", "a 1\n").HardLink("copy/deps.lock", "app/deps.lock"))
            .WriteOciLayout(fx.Path("img"));

        var inventory = await fx.InventoryAsync("img");

        Assert.Equal(["app/deps.lock", "copy/deps.lock"], inventory.PackageSets.Select(s => s.FilePath));
    }

    [Fact]
    public async Task Details_join_packages_across_layers_and_go_when_their_file_goes()
    {
        using var fx = new Fixture();
        new TestImage()
            .Layer(l => l.By("base").File("var/os/status", "tool 1.0\nlib 2.0\n").File("var/os/tool.license", "MIT\n").File("var/os/lib.license", "BSD\n"))
            .Layer(l => l.By("upgrade").File("var/os/status", "tool 1.1\nlib 2.0\n").Whiteout("var/os/lib.license"))
            .WriteOciLayout(fx.Path("img"));

        var inventory = await fx.InventoryAsync("img");

        var byName = inventory.Packages.ToDictionary(p => p.Name);
        Assert.Equal(["MIT"], byName["tool"].Licenses);
        Assert.Null(byName["lib"].Licenses);
    }

    [Fact]
    public async Task A_language_package_whose_file_an_os_package_installed_is_not_reported_twice()
    {
        using var fx = new Fixture();
        new TestImage()
            .Layer(l => l.By("base").File("var/os/status", "tool 1.0\n").File("var/os/tool.files", "/bin/tool\n"))
            .Layer(l => l.By("app").File("usr/bin/tool", "gomod 9\n").File("opt/app/app", "mine 1\n"))
            .WriteOciLayout(fx.Path("img"));

        var inventory = await fx.InventoryAsync("img");

        Assert.Equal(["mine", "tool"], inventory.Packages.Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Metrics_split_reading_from_analyzing_and_count_the_bytes_analyzers_get()
    {
        using var fx = new Fixture();
        new TestImage()
            .Layer(l => l.By("data").File("app/deps.lock", "a 1\n").File("media/movie.bin", new byte[2 * 1024 * 1024]).File("var/os/status", "tool 1.0\n"))
            .WriteOciLayout(fx.Path("img"));
        var metrics = new WalkMetrics();

        await fx.Scanner.InventoryAsync("oci:" + fx.Path("img"), fx.Options, null, metrics, TestContext.Current.CancellationToken);

        Assert.Equal(1, metrics.LayersWalked);
        Assert.True(metrics.LayerBytes > 2 * 1024 * 1024);
        Assert.True(metrics.BytesToAnalyzers < 1024, $"analyzers were handed {metrics.BytesToAnalyzers} bytes");
        Assert.Equal(2, metrics.FilesToAnalyzers);
        Assert.Contains(metrics.Analyzers, a => a.Id == "test-pairs" && a.Calls == 1);
        Assert.Contains(metrics.Analyzers, a => a.Id == "test-os" && a.Calls == 1);
        Assert.True(metrics.ReadTime > TimeSpan.Zero);
    }

    private sealed class Fixture : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("comb-post-").FullName;

        public Fixture()
        {
            var resolver = new ImageSourceResolver([new OciLayoutSource()]);
            Scanner = new ImageScanner(resolver, [new Provider()], [], []);
        }

        public ImageScanner Scanner { get; }

        public ScanOptions Options => new() { CacheDir = Path("cache"), NoStore = true };

        public string Path(string name) => System.IO.Path.Combine(_dir, name);

        public Task<ImageInventory> InventoryAsync(string image, bool includeDevDeps = false) =>
            Scanner.InventoryAsync("oci:" + Path(image), Options with { IncludeDevDeps = includeDevDeps }, null, TestContext.Current.CancellationToken);

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }

    private sealed class Provider : IAnalyzerProvider
    {
        public IEnumerable<IFileAnalyzer> CreateFileAnalyzers(ScanOptions options) => [new OsAnalyzer()];

        public IEnumerable<IPostAnalyzer> CreatePostAnalyzers(ScanOptions options) => [new PairsAnalyzer()];
    }

    /// <summary>"*.lock" files list "name version"; a "*.manifest" beside one lists "dev NAME" lines.</summary>
    private sealed class PairsAnalyzer : IPostAnalyzer
    {
        public string Id => "test-pairs";

        public int Version => 1;

        public bool IsRequired(FileMeta meta) => meta.Path.EndsWith(".lock", StringComparison.Ordinal) || meta.Path.EndsWith(".manifest", StringComparison.Ordinal);

        public async ValueTask<AnalysisResult> AnalyzeAsync(PostAnalysisInput input, CancellationToken cancellationToken)
        {
            var sets = new List<PackageSet>();
            foreach (var lockFile in input.Files.Where(f => f.Path.EndsWith(".lock", StringComparison.Ordinal)))
            {
                var dev = new HashSet<string>(StringComparer.Ordinal);
                if (input.Find(lockFile.Path[..^".lock".Length] + ".manifest") is { } manifest)
                {
                    dev.UnionWith((await ReadAsync(manifest, cancellationToken)).Where(l => l.StartsWith("dev ", StringComparison.Ordinal)).Select(l => l[4..]));
                }

                var packages = (await ReadAsync(lockFile, cancellationToken)).Select(l => l.Split(' '))
                    .Select(p => new Package { Name = p[0], Version = p[1], Type = PackageTypes.Npm, Dev = dev.Contains(p[0]) }).ToList();
                sets.Add(new PackageSet { FilePath = lockFile.Path, Kind = "pairs", Packages = packages });
            }

            return new AnalysisResult { PackageSets = sets };
        }
    }

    /// <summary>
    /// var/os/status lists OS packages; var/os/NAME.license and NAME.files are details for them; any other file
    /// under usr/bin or opt/app is a "binary" listing the language packages built into it.
    /// </summary>
    private sealed class OsAnalyzer : IFileAnalyzer
    {
        public string Id => "test-os";

        public int Version => 1;

        public bool IsRequired(FileMeta meta) => meta.Path.StartsWith("var/os/", StringComparison.Ordinal)
            || meta.Path.StartsWith("usr/bin/", StringComparison.Ordinal) || meta.Path.StartsWith("opt/app/", StringComparison.Ordinal);

        public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
        {
            var lines = await ReadAsync(input, cancellationToken);
            var name = System.IO.Path.GetFileNameWithoutExtension(input.Path);
            return System.IO.Path.GetExtension(input.Path) switch
            {
                _ when input.Path == "var/os/status" => new AnalysisResult
                {
                    PackageSets = [new PackageSet { FilePath = input.Path, Kind = "testos", Packages = [.. lines.Select(l => l.Split(' ')).Select(p => new Package { Name = p[0], Version = p[1], Type = PackageTypes.Deb })] }],
                },
                ".license" => new AnalysisResult { Details = [new PackageDetail { Path = input.Path, Kind = "testos", PackageName = name, Licenses = lines }] },
                ".files" => new AnalysisResult { Details = [new PackageDetail { Path = input.Path, Kind = "testos", PackageName = name, InstalledFiles = lines }] },
                _ when input.Path.StartsWith("var/os/", StringComparison.Ordinal) => AnalysisResult.Empty,
                _ => new AnalysisResult
                {
                    PackageSets = [new PackageSet { FilePath = input.Path, Kind = "gobinary", Packages = [.. lines.Select(l => l.Split(' ')).Select(p => new Package { Name = p[0], Version = p[1], Type = PackageTypes.Golang })] }],
                },
            };
        }
    }

    private static async Task<List<string>> ReadAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(input.OpenRead());
        var text = await reader.ReadToEndAsync(cancellationToken);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#'))];
    }
}
