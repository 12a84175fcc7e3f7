using Comb.Analyzers.Os;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Os;

public sealed class DpkgApkTests
{
    private const string Status = """
        Package: libc6
        Status: install ok installed
        Priority: optional
        Architecture: amd64
        Multi-Arch: same
        Source: glibc
        Version: 2.36-9+deb12u4
        Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
        Description: GNU C Library: Shared libraries
         Contains the standard libraries.

        Package: libgcc-s1
        Status: install ok installed
        Architecture: amd64
        Source: gcc-12 (12.2.0-14)
        Version: 1:12.2.0-14
        Depends: libc6 (>= 2.35), gcc-12-base (= 12.2.0-14)

        Package: removed-pkg
        Status: deinstall ok config-files
        Version: 1.0-1

        Package: half-installed
        Status: install reinstreq half-installed
        Version: 2.0-1

        Package: bad-version
        Status: install ok installed
        Version: 1:x#y

        """;

    [Fact]
    public async Task DpkgListsInstalledPackagesOnly()
    {
        var results = await AnalyzerTester.For(new DpkgStatusAnalyzer()).WithFile("var/lib/dpkg/status", Status).RunAsync(TestContext.Current.CancellationToken);
        var result = Assert.Single(results);
        var set = Assert.Single(result.PackageSets);
        Assert.Equal("dpkg", set.Kind);
        Assert.Equal(["libc6@2.36-9+deb12u4", "libgcc-s1@1:12.2.0-14"], set.Packages.Select(p => p.Name + "@" + p.Version));

        var gcc = set.Packages[1];
        Assert.Equal(("gcc-12", "12.2.0-14", 1, "amd64"), (gcc.SourceName, gcc.SourceVersion, gcc.Epoch, gcc.Arch));
        Assert.Equal(["libc6@2.36-9+deb12u4"], gcc.DependsOn);
        Assert.Equal("pkg:deb/debian/libgcc-s1@1:12.2.0-14?arch=amd64", gcc.Purl);
        Assert.Equal("glibc", set.Packages[0].SourceName);
        Assert.Equal("GNU Libc Maintainers <debian-glibc@lists.debian.org>", set.Packages[0].Metadata!["maintainer"]);

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Contains("bad-version", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal("var/lib/dpkg/status", diagnostic.Path);
    }

    [Fact]
    public async Task EmptyStatusStillYieldsAnEmptySetSoItReplacesEarlierLayers()
    {
        var results = await AnalyzerTester.For(new DpkgStatusAnalyzer()).WithFile("var/lib/dpkg/status", "").RunAsync(TestContext.Current.CancellationToken);
        var set = Assert.Single(Assert.Single(results).PackageSets);
        Assert.Empty(set.Packages);
    }

    [Fact]
    public void DistrolessStatusDirectoryFilesAreRecordsButSideFilesAreNot()
    {
        var analyzer = new DpkgStatusAnalyzer();
        bool Wants(string path) => analyzer.IsRequired(new FileMeta { Path = path, Kind = FileKind.Regular, Size = 100 });
        Assert.True(Wants("var/lib/dpkg/status.d/libssl3"));
        Assert.True(Wants("var/lib/dpkg/status.d/libssl1.1"));
        Assert.False(Wants("var/lib/dpkg/status.d/libssl3.md5sums"));
        Assert.False(Wants("var/lib/dpkg/status-old"));
        Assert.False(Wants("var/lib/dpkg/status.d/sub/dir"));
    }

    [Fact]
    public async Task ApkParsesFieldsFilesAndDependencies()
    {
        const string db = """
            C:Q1abc=
            P:musl
            V:1.2.4-r2
            A:x86_64
            L:MIT
            o:musl
            m:Timo Teräs <timo.teras@iki.fi>
            p:so:libc.musl-x86_64.so.1=1
            F:lib
            R:ld-musl-x86_64.so.1
            R:libc.musl-x86_64.so.1

            P:busybox
            V:1.36.1-r5
            A:x86_64
            L:GPL-2.0-only
            o:busybox
            D:so:libc.musl-x86_64.so.1
            F:bin
            R:busybox

            P:broken-without-version

            """;
        var results = await AnalyzerTester.For(new ApkInstalledAnalyzer()).WithFile("lib/apk/db/installed", db).RunAsync(TestContext.Current.CancellationToken);
        var result = Assert.Single(results);
        var packages = Assert.Single(result.PackageSets).Packages;
        Assert.Equal(["musl@1.2.4-r2", "busybox@1.36.1-r5"], packages.Select(p => p.Name + "@" + p.Version));
        Assert.Equal(["/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"], packages[0].InstalledFiles);
        Assert.Equal(["musl@1.2.4-r2"], packages[1].DependsOn);
        Assert.Equal(["GPL-2.0-only"], packages[1].Licenses);
        Assert.Equal("pkg:apk/alpine/busybox@1.36.1-r5?arch=x86_64&upstream=busybox", packages[1].Purl);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("broken-without-version", StringComparison.Ordinal));
    }
}
