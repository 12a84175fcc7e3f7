using Comb.Analyzers.Os;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Os;

/// <summary>File digests the package databases record: dpkg md5sums and apk's Z: checksums.</summary>
public sealed class PackageDigestTests
{
    // The first lines of gzip's md5sums in Debian 12 (gzip 1.12-1).
    private const string GzipMd5sums = """
        f1c94a9ff82904934a5269edbc8356ec  bin/gunzip
        9ede9e20fdee2e757019cba41d9e9d10  bin/gzexe
        4b7aad10291e9314b8c56686cbac070c  bin/gzip
        not a digest line
        """;

    [Fact]
    public async Task Dpkg_md5sums_become_file_digests_of_the_package()
    {
        var results = await AnalyzerTester.For(new DpkgMd5sumsAnalyzer()).WithFile("var/lib/dpkg/info/gzip:amd64.md5sums", GzipMd5sums + "\n").RunAsync(TestContext.Current.CancellationToken);

        var detail = Assert.Single(results.SelectMany(r => r.Details));
        Assert.Equal(("dpkg", "gzip", "amd64"), (detail.Kind, detail.PackageName, detail.Arch));
        Assert.Equal(3, detail.FileDigests!.Count);
        Assert.Equal("md5:f1c94a9ff82904934a5269edbc8356ec", detail.FileDigests["bin/gunzip"]);
        Assert.Contains(results.SelectMany(r => r.Diagnostics), d => d.Message.Contains("1 line(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apk_checksums_of_a_real_database_become_sha1_digests()
    {
        var db = SharedData.Require("peer-fixtures", "apk-installed", "syft-base", "input", "lib", "apk", "db", "installed");
        var text = await File.ReadAllTextAsync(db, TestContext.Current.CancellationToken);

        var results = await AnalyzerTester.For(new ApkInstalledAnalyzer()).WithFile("lib/apk/db/installed", text).RunAsync(TestContext.Current.CancellationToken);

        var digests = results.SelectMany(r => r.Details).Where(d => d.Kind == "apk").SelectMany(d => d.FileDigests!).ToList();
        var checksumLines = text.Split('\n').Count(l => l.StartsWith("Z:Q1", StringComparison.Ordinal));
        Assert.True(checksumLines > 0);
        Assert.Equal(checksumLines, digests.Count);
        Assert.All(digests, d => Assert.Matches("^sha1:[0-9a-f]{40}$", d.Value));
        Assert.All(digests, d => Assert.False(d.Key.StartsWith('/')));
    }

    [Theory]
    [InlineData("Q1Yk9Jz3N3SSGmlEaFqHNi1Af0hBU=", "sha1:624f49cf73774921a6944685a87362d407f48415")]
    [InlineData("Q2abc", null)]
    [InlineData("Q1not-base64!", null)]
    public void Apk_checksum_is_q1_base64_sha1(string value, string? expected) =>
        Assert.Equal(expected, ApkInstalledAnalyzer.ApkChecksum(value));
}
