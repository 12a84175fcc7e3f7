using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Comb.Analyzers.Binary;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Binary;

public sealed class BinaryAnalyzerTests
{
    private const int Executable = 0b111_101_101;
    private static readonly byte[] Magic = [0xff, .. " Go buildinf:"u8];
    private static readonly byte[] Sentinel = [0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6];

    private const string ModInfo =
        "path\texample.com/app/cmd/app\n" +
        "mod\texample.com/app\t(devel)\t\n" +
        "dep\tgithub.com/pkg/errors\tv0.9.1\th1:abc=\n" +
        "dep\tgolang.org/x/net\tv0.1.0\th1:def=\n" +
        "=>\tgolang.org/x/net\tv0.23.0\th1:ghi=\n" +
        "build\t-ldflags=\"-s -w -X main.version=v2.3.4\"\n" +
        "build\tGOOS=linux\n";

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        var v = (uint)value;
        while (v >= 0x80)
        {
            bytes.Add((byte)(v | 0x80));
            v >>= 7;
        }

        bytes.Add((byte)v);
        return [.. bytes];
    }

    private static byte[] FramedModInfo(string text) => [.. Sentinel, .. Encoding.UTF8.GetBytes(text), .. Sentinel];

    private static byte[] InlineBuildInfo(string goVersion, byte[] modInfo)
    {
        var header = new byte[32];
        Magic.CopyTo(header, 0);
        header[14] = 8;
        header[15] = 0x2;
        var version = Encoding.UTF8.GetBytes(goVersion);
        return [.. header, .. Varint(version.Length), .. version, .. Varint(modInfo.Length), .. modInfo];
    }

    private static async Task<AnalysisResult> RunAsync(IFileAnalyzer analyzer, byte[] file, string path = "usr/local/bin/app", int mode = Executable)
    {
        var results = await AnalyzerTester.For(analyzer).WithFile(path, file, mode).RunAsync(TestContext.Current.CancellationToken);
        return Assert.Single(results);
    }

    [Fact]
    public async Task ReadsInlineBuildInfoWithReplacementsAndLdflagsVersion()
    {
        var elf = ElfBuilder.Build((".text", 0x401000, new byte[64]), (".go.buildinfo", 0x500000, InlineBuildInfo("go1.22.5 X:boringcrypto", FramedModInfo(ModInfo))));
        var result = await RunAsync(new GoBinaryAnalyzer(), elf);
        Assert.Empty(result.Diagnostics);
        var set = Assert.Single(result.PackageSets);
        Assert.Equal("gobinary", set.Kind);
        Assert.Equal(
            ["example.com/app@v2.3.4", "github.com/pkg/errors@v0.9.1", "golang.org/x/net@v0.23.0", "stdlib@v1.22.5"],
            set.Packages.Select(p => p.Name + "@" + p.Version).Order(StringComparer.Ordinal));
        var main = set.Packages.Single(p => p.Name == "example.com/app");
        Assert.Equal("root", main.Relationship);
        Assert.Equal("linux", main.Metadata!["build.GOOS"]);
        Assert.Equal("pkg:golang/github.com%2Fpkg%2Ferrors@v0.9.1", set.Packages.Single(p => p.Name == "github.com/pkg/errors").Purl);
    }

    [Fact]
    public async Task ReadsPre118PointerBuildInfo()
    {
        // .data at 0x600000 holds two Go string headers (ptr, len) followed by the string bytes.
        var version = Encoding.UTF8.GetBytes("go1.16.15");
        var mod = FramedModInfo("path\texample.com/old\nmod\texample.com/old\tv1.0.0\t\ndep\tgithub.com/a/b\tv1.2.3\th1:x=\n");
        const ulong Base = 0x600000;
        var data = new byte[32 + version.Length + mod.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(0), Base + 32);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(8), (ulong)version.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(16), Base + 32 + (ulong)version.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(24), (ulong)mod.Length);
        version.CopyTo(data, 32);
        mod.CopyTo(data, 32 + version.Length);

        var header = new byte[32];
        Magic.CopyTo(header, 0);
        header[14] = 8;
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), Base);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(24), Base + 16);

        var elf = ElfBuilder.Build((".go.buildinfo", 0x500000, header), (".data", Base, data));
        var result = await RunAsync(new GoBinaryAnalyzer(), elf);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(
            ["example.com/old@v1.0.0", "github.com/a/b@v1.2.3", "stdlib@v1.16.15"],
            Assert.Single(result.PackageSets).Packages.Select(p => p.Name + "@" + p.Version).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CorruptBuildInfoGivesDiagnostic()
    {
        var info = InlineBuildInfo("go1.22.5", FramedModInfo(ModInfo));
        info[32] = 0xff; // version length varint now runs on and claims far more than the data
        info[33] = 0xff;
        info[34] = 0x7f;
        var elf = ElfBuilder.Build((".go.buildinfo", 0x500000, info));
        var result = await RunAsync(new GoBinaryAnalyzer(), elf);
        Assert.Empty(result.PackageSets);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("usr/local/bin/app", diagnostic.Path);
        Assert.Contains("Go build info", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnmappedPointerBuildInfoGivesDiagnostic()
    {
        var header = new byte[32];
        Magic.CopyTo(header, 0);
        header[14] = 8;
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(16), 0xdead0000);
        var result = await RunAsync(new GoBinaryAnalyzer(), ElfBuilder.Build((".go.buildinfo", 0x500000, header)));
        Assert.Single(result.Diagnostics);
    }

    [Fact]
    public async Task TruncatedRealGoBinaryDoesNotThrow()
    {
        var path = SharedData.Require("peer-fixtures", "go-binary", "trivy-goexperiment", "input", "usr", "local", "bin", "goexperiment");
        var bytes = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
        foreach (var length in new[] { 4096, 5000, 0xe0000 + 20, 0xe0000 + 40, bytes.Length / 2 })
        {
            var result = await RunAsync(new GoBinaryAnalyzer(), bytes[..length]);
            Assert.DoesNotContain(result.PackageSets.SelectMany(s => s.Packages), p => p.Name != "stdlib");
            Assert.All(result.Diagnostics, d => Assert.Equal("usr/local/bin/app", d.Path));
        }
    }

    [Fact]
    public async Task NonSeekableInputIsSpooledToATempFile()
    {
        var elf = ElfBuilder.Build((".go.buildinfo", 0x500000, InlineBuildInfo("go1.21.0", FramedModInfo(ModInfo))));
        var meta = new FileMeta { Path = "usr/bin/app", Kind = FileKind.Regular, Size = elf.Length, Mode = Executable };
        var input = new AnalysisInput(meta, "sha256:" + new string('1', 64), () => new ForwardOnlyStream(elf));
        var result = await new GoBinaryAnalyzer().AnalyzeAsync(input, TestContext.Current.CancellationToken);
        Assert.Contains(Assert.Single(result.PackageSets).Packages, p => p.Name == "stdlib" && p.Version == "v1.21.0");
    }

    [Fact]
    public async Task NonExecutablesAndScriptsAreIgnored()
    {
        var analyzer = new GoBinaryAnalyzer();
        Assert.False(analyzer.IsRequired(new FileMeta { Path = "usr/share/doc/readme", Kind = FileKind.Regular, Size = 10_000, Mode = 0b110_100_100 }));
        Assert.False(analyzer.IsRequired(new FileMeta { Path = "usr/bin/tool", Kind = FileKind.Regular, Size = 100, Mode = Executable }));
        Assert.False(analyzer.IsRequired(new FileMeta { Path = "usr/bin/run.sh", Kind = FileKind.Regular, Size = 10_000, Mode = Executable }));
        Assert.True(analyzer.IsRequired(new FileMeta { Path = "opt/app/server", Kind = FileKind.Regular, Size = 10_000, Mode = Executable }));
        Assert.True(analyzer.IsRequired(new FileMeta { Path = "usr/local/bin/server", Kind = FileKind.Regular, Size = 10_000, Mode = 0b100_100_100 }));

        var script = Encoding.UTF8.GetBytes("#!/bin/sh\n" + new string('#', 8000));
        Assert.True((await RunAsync(analyzer, script, "usr/bin/tool")).IsEmpty);
        Assert.True((await RunAsync(new RustAuditableAnalyzer(), script, "usr/bin/tool")).IsEmpty);
    }

    [Fact]
    public async Task ReadsCargoAuditableSectionWithoutBuildDependencies()
    {
        const string json = """
            {"packages":[
              {"name":"app","version":"0.3.0","source":"local","dependencies":[1,2],"root":true},
              {"name":"serde","version":"1.0.200","source":"crates.io","dependencies":[]},
              {"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"}
            ]}
            """;
        var elf = ElfBuilder.Build((".text", 0x1000, new byte[32]), (".dep-v0", 0x2000, Deflate(json)));
        var result = await RunAsync(new RustAuditableAnalyzer(), elf);
        Assert.Empty(result.Diagnostics);
        var packages = Assert.Single(result.PackageSets).Packages;
        Assert.Equal(["app@0.3.0", "serde@1.0.200"], packages.Select(p => p.Name + "@" + p.Version));
        Assert.Equal("root", packages[0].Relationship);
        Assert.Equal(["serde@1.0.200"], packages[0].DependsOn);
        Assert.Equal("pkg:cargo/serde@1.0.200", packages[1].Purl);
    }

    [Theory]
    [InlineData("not zlib at all")]
    [InlineData(null)]
    public async Task CorruptCargoAuditableSectionGivesDiagnostic(string? rawSection)
    {
        var content = rawSection is null ? Deflate("{\"packages\":[{\"name\":\"a\",\"version\":\"1\",\"dependencies\":[9]}]}") : Encoding.UTF8.GetBytes(rawSection);
        var result = await RunAsync(new RustAuditableAnalyzer(), ElfBuilder.Build((".dep-v0", 0x2000, content)));
        Assert.Empty(result.PackageSets);
        Assert.Contains("cargo-auditable", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
    }

    private static byte[] Deflate(string text)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(Encoding.UTF8.GetBytes(text));
        }

        return output.ToArray();
    }

    /// <summary>A stream that cannot seek, like a tar entry read straight from a layer.</summary>
    private sealed class ForwardOnlyStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content, writable: false);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
