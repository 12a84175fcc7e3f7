using Comb.Checks.Config;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Checks.Tests;

public sealed class FileNoteAnalyzerTests
{
    private static readonly FileNoteAnalyzer Analyzer = new();

    private static async Task<List<FileNote>> NotesAsync(AnalyzerTester tester) =>
        [.. (await tester.RunAsync(TestContext.Current.CancellationToken)).SelectMany(r => r.Notes)];

    [Fact]
    public async Task Notes_setuid_and_setgid_binaries_with_their_owner()
    {
        var notes = await NotesAsync(AnalyzerTester.For(Analyzer)
            .WithFile("usr/bin/passwd", "x", mode: Convert.ToInt32("4755", 8))
            .WithFile("usr/bin/wall", "x", mode: Convert.ToInt32("2755", 8))
            .WithFile("usr/bin/ls", "x", mode: Convert.ToInt32("0755", 8)));

        Assert.Equal([("setuid", "usr/bin/passwd"), ("setgid", "usr/bin/wall")], notes.Select(n => (n.Kind, n.Path)));
        Assert.Equal("owner uid 0", notes[0].Detail);
    }

    [Fact]
    public async Task Notes_world_writable_files_only_in_system_paths()
    {
        var notes = await NotesAsync(AnalyzerTester.For(Analyzer)
            .WithFile("etc/profile.d/app.sh", "x", mode: Convert.ToInt32("0666", 8))
            .WithFile("usr/local/bin/tool", "x", mode: Convert.ToInt32("0777", 8))
            .WithFile("tmp/scratch", "x", mode: Convert.ToInt32("0666", 8))
            .WithFile("app/data.txt", "x", mode: Convert.ToInt32("0666", 8))
            .WithFile("etc/hosts", "x", mode: Convert.ToInt32("0644", 8)));

        Assert.Equal(["etc/profile.d/app.sh", "usr/local/bin/tool"], notes.Where(n => n.Kind == "world-writable").Select(n => n.Path));
    }

    [Fact]
    public void Sticky_directories_and_symlinks_are_not_world_writable_problems()
    {
        Assert.False(Analyzer.IsRequired(new FileMeta { Path = "usr/tmp", Kind = FileKind.Directory, Mode = Convert.ToInt32("1777", 8) }));
        Assert.False(Analyzer.IsRequired(new FileMeta { Path = "usr/bin/python", Kind = FileKind.Symlink, Mode = Convert.ToInt32("0777", 8) }));
        Assert.True(Analyzer.IsRequired(new FileMeta { Path = "usr/share/app", Kind = FileKind.Directory, Mode = Convert.ToInt32("0777", 8) }));
    }

    [Theory]
    [InlineData("var/cache/apt/archives/curl_7.88.1-10_amd64.deb", "apt")]
    [InlineData("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", "apt-lists")]
    [InlineData("var/cache/apk/APKINDEX.5022a8a2.tar.gz", "apk")]
    [InlineData("root/.cache/pip/http-v2/a/b/c", "pip")]
    [InlineData("home/app/.cache/pip/wheels/x.whl", "pip")]
    [InlineData("var/cache/dnf/fedora.solv", "dnf")]
    [InlineData("var/cache/yum/x86_64/7/base/repomd.xml", "yum")]
    [InlineData("root/.npm/_cacache/index-v5/00/ab", "npm")]
    public void Recognises_package_manager_caches(string path, string cache) =>
        Assert.Equal(cache, FileNoteRules.CacheName(path));

    [Theory]
    [InlineData("var/cache/apt/archives/lock")]
    [InlineData("var/cache/apt/archives/partial/")]
    [InlineData("var/lib/apt/lists/lock")]
    [InlineData("var/cache/apt/pkgcache.bin.txt")]
    [InlineData("home/app/src/pip/x")]
    [InlineData("usr/lib/python3/dist-packages/pip/__init__.py")]
    public void Ignores_paths_that_are_not_caches(string path) =>
        Assert.Null(FileNoteRules.CacheName(path));

    [Fact]
    public async Task Never_opens_file_content()
    {
        var meta = new FileMeta { Path = "usr/bin/su", Kind = FileKind.Regular, Mode = Convert.ToInt32("4755", 8) };
        var input = new AnalysisInput(meta, TestImages.Digest(1), () => throw new InvalidOperationException("content opened"));

        var result = await Analyzer.AnalyzeAsync(input, TestContext.Current.CancellationToken);

        Assert.Equal("setuid", Assert.Single(result.Notes).Kind);
    }

    [Fact]
    public void Provider_hands_out_the_analyzer_only_when_config_scanning_is_on()
    {
        var provider = new CheckAnalyzerProvider();
        Assert.Single(provider.CreateFileAnalyzers(new ScanOptions()));
        Assert.Empty(provider.CreateFileAnalyzers(new ScanOptions { Scanners = new HashSet<string> { Scanners.Vuln } }));
    }
}
