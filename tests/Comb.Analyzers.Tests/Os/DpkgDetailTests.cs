using Comb.Analyzers.Os;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Os;

/// <summary>Licences from usr/share/doc/*/copyright and installed files from var/lib/dpkg/info/*.list, joined to dpkg packages.</summary>
public sealed class DpkgDetailTests
{
    private const string Status = """
        Package: libaudit1
        Status: install ok installed
        Architecture: amd64
        Version: 1:3.0.9-1

        Package: tar
        Status: install ok installed
        Architecture: amd64
        Version: 1.34+dfsg-1.2

        """;

    private static AnalyzerTester Tester() =>
        AnalyzerTester.For(new DpkgStatusAnalyzer(), new DpkgCopyrightAnalyzer(), new DpkgFileListAnalyzer()).WithFile("var/lib/dpkg/status", Status);

    [Fact]
    public async Task Machine_readable_copyright_licences_become_spdx_ids()
    {
        // Given a DEP-5 copyright file with several Files paragraphs and an exception clause
        var tester = Tester().WithFile("usr/share/doc/libaudit1/copyright", """
            Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
            Upstream-Name: audit

            Files: *
            Copyright: 2012 Steve Grubb
            License: GPL-2+

            Files: lib/*
            License: LGPL-2.1 or Expat

            Files: debian/*
            License: GPL-2+ with OpenSSL exception

            License: GPL-2+
             This package is free software.
            """);

        // When the status file and the copyright file are analyzed and joined
        var audit = (await tester.PackagesAsync(TestContext.Current.CancellationToken)).Single(p => p.Name == "libaudit1");

        // Then each licence is listed once, in SPDX spelling
        Assert.Equal(["GPL-2.0-or-later", "LGPL-2.1-only", "MIT"], audit.Licenses);
    }

    [Fact]
    public async Task Free_form_copyright_files_are_read_by_their_common_licence_references()
    {
        var tester = Tester().WithFile("usr/share/doc/tar/copyright", """
            This is the Debian GNU/Linux prepackaged version of GNU tar.
            On Debian systems, the complete text of the GNU General Public License
            version 3 can be found in `/usr/share/common-licenses/GPL-3'.
            """);

        var tar = (await tester.PackagesAsync(TestContext.Current.CancellationToken)).Single(p => p.Name == "tar");

        Assert.Equal(["GPL-3.0-only"], tar.Licenses);
    }

    [Fact]
    public async Task File_lists_give_each_package_its_files_without_directories()
    {
        var tester = Tester()
            .WithFile("var/lib/dpkg/info/tar.list", "/.\n/bin\n/bin/tar\n/usr\n/usr/share\n/usr/share/doc\n/usr/share/doc/tar\n/usr/share/doc/tar/copyright\n")
            .WithFile("var/lib/dpkg/info/libaudit1:amd64.list", "/.\n/lib/x86_64-linux-gnu/libaudit.so.1\n")
            .WithFile("var/lib/dpkg/info/libaudit1:arm64.list", "/lib/aarch64-linux-gnu/libaudit.so.1\n");

        var byName = (await tester.PackagesAsync(TestContext.Current.CancellationToken)).ToDictionary(p => p.Name);

        Assert.Equal(["/bin/tar", "/usr/share/doc/tar/copyright"], byName["tar"].InstalledFiles);
        Assert.Equal(["/lib/x86_64-linux-gnu/libaudit.so.1"], byName["libaudit1"].InstalledFiles);
    }

    [Theory]
    [InlineData("GPL-2", "GPL-2.0-only")]
    [InlineData("LGPL-3+", "LGPL-3.0-or-later")]
    [InlineData("GFDL-1.3+", "GFDL-1.3-or-later")]
    [InlineData("BSD-3-clause", "BSD-3-Clause")]
    [InlineData("public-domain", "public-domain")]
    public void Debian_short_names_map_to_spdx_where_exact(string shortName, string expected) =>
        Assert.Equal(expected, DebianCopyright.Normalize(shortName));

    [Fact]
    public async Task The_peer_fixture_distroless_package_gets_its_licences()
    {
        var root = SharedData.Require("peer-fixtures", "dpkg-status", "syft-image-distroless-deb", "input");

        var packages = await AnalyzerTester.For([.. OsAndBinaryAnalyzers.All()]).WithDirectory(root).PackagesAsync(TestContext.Current.CancellationToken);

        var sqlite = Assert.Single(packages, p => p.Type == PackageTypes.Deb);
        Assert.Contains("public-domain", sqlite.Licenses!);
        Assert.Contains("GPL-2.0-or-later", sqlite.Licenses!);
    }
}
