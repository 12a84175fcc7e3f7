using System.Text.Json;
using Comb.Contracts;
using Comb.Engine.Walk;
using Comb.Testing.Images;

namespace Comb.Engine.Tests;

/// <summary>
/// A hard link is read with its target's content whether the walk kept the target's bytes or reads the layer again
/// for them: the facts of both walks are the same, and the layer is read again only when some analyzer wants a link
/// to a kept target.
/// </summary>
public sealed class HardLinkWalkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-links-").FullName;

    [Fact]
    public async Task Links_read_again_give_the_same_facts_as_links_read_from_kept_bytes()
    {
        var large = "big 1\n" + new string('#', 300 * 1024) + "\n";
        var tar = new TestLayer()
            .File("a/packages.txt", "a 1\n")
            .HardLink("b/packages.txt", "a/packages.txt")
            .HardLink("b/deps.lock", "a/packages.txt")
            .HardLink("c/deps.lock", "b/deps.lock")
            .File("c/deps.lock", "c 3\n")
            .HardLink("d/deps.lock", "b/deps.lock")
            .File("over/packages.txt", "old 1\n")
            .HardLink("over1/packages.txt", "over/packages.txt")
            .File("over/packages.txt", "new 2\n")
            .HardLink("over2/packages.txt", "over/packages.txt")
            .File("grow/packages.txt", "small 1\n")
            .File("grow/packages.txt", large)
            .HardLink("grow2/packages.txt", "grow/packages.txt")
            .File("huge/packages.txt", large)
            .HardLink("huge2/packages.txt", "huge/packages.txt")
            .File("plain/notes.md", "not wanted 1\n")
            .HardLink("plain2/packages.txt", "plain/notes.md")
            .HardLink("missing/packages.txt", "nowhere/packages.txt")
            .HardLink("loop/a/packages.txt", "loop/b/packages.txt")
            .HardLink("loop/b/packages.txt", "loop/a/packages.txt")
            .ToTar();

        var kept = await WalkAsync(tar, reopen: false);
        var reread = await WalkAsync(tar, reopen: true);

        Assert.Equal(Json(kept.Facts), Json(reread.Facts));
        Assert.Equal(0, kept.Opens);
        Assert.Equal(1, reread.Opens);
        Assert.Equal(1, reread.Metrics.LayersReread);
        var sets = reread.Facts.PackageSets.ToDictionary(s => s.FilePath, s => string.Join(",", s.Packages.Select(p => p.Name + "@" + p.Version)));
        Assert.Equal("a@1", sets["b/packages.txt"]);
        Assert.Equal("a@1", sets["b/deps.lock"]);
        Assert.Equal("c@3", sets["c/deps.lock"]);
        Assert.Equal("a@1", sets["d/deps.lock"]);
        Assert.Equal("old@1", sets["over1/packages.txt"]);
        Assert.Equal("new@2", sets["over2/packages.txt"]);
        Assert.Equal("small@1", sets["grow2/packages.txt"]);
        Assert.Equal("", sets["huge2/packages.txt"]);
        Assert.Equal("", sets["plain2/packages.txt"]);
        Assert.Equal("", sets["missing/packages.txt"]);
        Assert.Equal("", sets["loop/a/packages.txt"]);
    }

    [Fact]
    public async Task A_layer_whose_links_no_analyzer_wants_is_read_once()
    {
        var tar = new TestLayer().File("a/packages.txt", "a 1\n").HardLink("bin/tool", "a/packages.txt").HardLink("b/packages.txt", "a/notes.md").ToTar();

        var walk = await WalkAsync(tar, reopen: true);

        Assert.Equal(0, walk.Opens);
        Assert.Equal(["a/packages.txt", "b/packages.txt"], walk.Facts.PackageSets.Select(s => s.FilePath));
    }

    [Fact]
    public async Task A_layer_that_reads_differently_the_second_time_fails_the_walk()
    {
        var tar = new TestLayer().File("a/packages.txt", "a 1\n").HardLink("b/packages.txt", "a/packages.txt").ToTar();
        var other = new TestLayer().File("x/packages.txt", "a 1\n").HardLink("b/packages.txt", "a/packages.txt").ToTar();
        var walker = new LayerWalker([new LinesPackageAnalyzer()], [], Path.Combine(_dir, "tmp"));

        var error = await Assert.ThrowsAsync<CombInputException>(() =>
            walker.WalkTarAsync(new MemoryStream(tar), Layer(tar), _ => Task.FromResult<Stream>(new MemoryStream(other)), TestContext.Current.CancellationToken));

        Assert.Contains("a/packages.txt", error.Message, StringComparison.Ordinal);
        Assert.Contains("second read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Targets_are_kept_while_the_layer_budget_lasts_and_a_later_file_replaces_one_only_when_it_qualifies()
    {
        var targets = new HardLinkTargets(keepBytes: false);
        var file = new byte[HardLinkTargets.FileLimit];
        var fit = (int)(HardLinkTargets.LayerBudget / HardLinkTargets.FileLimit);
        for (var i = 0; i < fit + 1; i++)
        {
            targets.Offer($"f{i}", i, FileContent.InMemory(file, file.Length));
        }

        targets.Offer("small", 1000, FileContent.InMemory(file, 1));
        targets.Offer("f0", 1001, FileContent.InMemory(new byte[HardLinkTargets.FileLimit + 1], HardLinkTargets.FileLimit + 1));
        targets.Offer("spooled", 1002, FileContent.OnDisk("x"));

        Assert.True(targets.TryGet($"f{fit - 1}", out _));
        Assert.False(targets.TryGet($"f{fit}", out _));
        Assert.False(targets.TryGet("small", out _));
        Assert.True(targets.TryGet("f0", out var first));
        Assert.Equal(0, first.Ordinal);
        Assert.Null(first.Bytes);
        Assert.False(targets.TryGet("spooled", out _));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<(LayerFacts Facts, int Opens, WalkMetrics Metrics)> WalkAsync(byte[] tar, bool reopen)
    {
        var metrics = new WalkMetrics();
        var walker = new LayerWalker([new LinesPackageAnalyzer()], [new LockLinesAnalyzer()], Path.Combine(_dir, "tmp"), metrics: metrics);
        var opens = 0;
        Func<CancellationToken, Task<Stream>>? again = reopen
            ? _ =>
            {
                Interlocked.Increment(ref opens);
                return Task.FromResult<Stream>(new MemoryStream(tar));
            }
            : null;
        var facts = await walker.WalkTarAsync(new MemoryStream(tar), Layer(tar), again, TestContext.Current.CancellationToken);
        return (facts, opens, metrics);
    }

    private static LayerDescriptor Layer(byte[] tar) => new()
    {
        Index = 0, Digest = "sha256:" + new string('a', 64), DiffId = "sha256:" + new string('a', 64), MediaType = "application/vnd.oci.image.layer.v1.tar", Size = tar.Length,
    };

    private static string Json(LayerFacts facts) => JsonSerializer.Serialize(facts);

    /// <summary>A post-analyzer of "*.lock" files of any kind, listing "name version" lines.</summary>
    private sealed class LockLinesAnalyzer : IPostAnalyzer
    {
        public string Id => "test-lock-lines";

        public int Version => 1;

        public bool IsRequired(FileMeta meta) => meta.Path.EndsWith(".lock", StringComparison.Ordinal);

        public async ValueTask<AnalysisResult> AnalyzeAsync(PostAnalysisInput input, CancellationToken cancellationToken)
        {
            var sets = new List<PackageSet>();
            foreach (var file in input.Files)
            {
                using var reader = new StreamReader(file.OpenRead());
                var lines = (await reader.ReadToEndAsync(cancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                sets.Add(new PackageSet
                {
                    FilePath = file.Path, Kind = "test-lock",
                    Packages = [.. lines.Select(l => l.Split(' ')).Select(p => new Package { Name = p[0], Version = p[1], Type = "test" })],
                });
            }

            return new AnalysisResult { PackageSets = sets };
        }
    }
}
