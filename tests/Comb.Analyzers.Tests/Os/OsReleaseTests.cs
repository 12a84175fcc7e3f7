using Comb.Analyzers.Os;
using Comb.Contracts;
using Comb.Testing;

namespace Comb.Analyzers.Tests.Os;

public sealed class OsReleaseTests
{
    private static async Task<OsInfo?> DetectAsync(params (string Path, string Content)[] files)
    {
        var found = new List<(string, OsInfo)>();
        foreach (var (path, content) in files)
        {
            var results = await AnalyzerTester.For(new OsReleaseAnalyzer()).WithFile(path, content).RunAsync(TestContext.Current.CancellationToken);
            found.AddRange(results.Where(r => r.Os is not null).Select(r => (path, r.Os!)));
        }

        return OsInfoMerger.Merge(found);
    }

    [Fact]
    public async Task AlpineReleaseRefinesOsReleaseVersion()
    {
        var os = await DetectAsync(
            ("etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20\nPRETTY_NAME=\"Alpine Linux v3.20\"\n"),
            ("etc/alpine-release", "3.20.1\n"));
        Assert.Equal("alpine", os!.Family);
        Assert.Equal("3.20.1", os.Name);
        Assert.Equal("Alpine Linux v3.20", os.PrettyName);
    }

    [Fact]
    public async Task DistrolessDebianTakesVersionFromDebianVersion()
    {
        var os = await DetectAsync(
            ("etc/os-release", "PRETTY_NAME=\"Distroless\"\nNAME=\"Debian GNU/Linux\"\nID=\"debian\"\n"),
            ("etc/debian_version", "12.5\n"));
        Assert.Equal(("debian", "12.5"), (os!.Family, os.Name));
    }

    [Fact]
    public async Task UbuntuOsReleaseWinsOverDebianVersion()
    {
        var os = await DetectAsync(
            ("etc/debian_version", "bookworm/sid\n"),
            ("etc/os-release", "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\n"));
        Assert.Equal(("ubuntu", "24.04", "noble"), (os!.Family, os.Name, os.Codename));
    }

    [Fact]
    public async Task CentosReleaseGivesPointRelease()
    {
        var os = await DetectAsync(
            ("etc/os-release", "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n"),
            ("etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n"),
            ("etc/redhat-release", "CentOS Linux release 7.9.2009 (Core)\n"));
        Assert.Equal(("centos", "7.9.2009"), (os!.Family, os.Name));
    }

    [Fact]
    public async Task DisagreeingFilesFollowPriority()
    {
        // A Rocky image that still carries an old redhat-release: os-release decides the family.
        var os = await DetectAsync(
            ("etc/redhat-release", "Red Hat Enterprise Linux release 8.4 (Ootpa)\n"),
            ("usr/lib/os-release", "ID=\"rocky\"\nVERSION_ID=\"8.9\"\n"));
        Assert.Equal(("rocky", "8.9"), (os!.Family, os.Name));
    }

    [Theory]
    [InlineData("etc/os-release", "ID=\"amzn\"\nVERSION_ID=\"2023\"\n", "amazon", "2023")]
    [InlineData("etc/os-release", "ID=wolfi\nVERSION_ID=\"20230201\"\n", "wolfi", "20230201")]
    [InlineData("etc/os-release", "ID=chainguard\nVERSION_ID=\"20230214\"\n", "chainguard", "20230214")]
    [InlineData("etc/os-release", "ID=\"ol\"\nVERSION_ID=\"9.3\"\n", "oracle", "9.3")]
    [InlineData("etc/os-release", "ID=\"sles\"\nVERSION_ID=\"15.5\"\n", "sles", "15.5")]
    [InlineData("etc/os-release", "# comment\nID=photon\nVERSION_ID=5.0\n", "photon", "5.0")]
    [InlineData("etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\n", "ubuntu", "22.04")]
    [InlineData("etc/photon-release", "VMware Photon OS 3.0\nPHOTON_BUILD_NUMBER=a1b2c3\n", "photon", "3.0")]
    [InlineData("etc/SuSE-release", "SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 4\n", "sles", "11.4")]
    [InlineData("etc/oracle-release", "Oracle Linux Server release 7.9\n", "oracle", "7.9")]
    [InlineData("etc/fedora-release", "Fedora release 39 (Thirty Nine)\n", "fedora", "39")]
    public async Task RecognisesReleaseFiles(string path, string content, string family, string name)
    {
        var os = await DetectAsync((path, content));
        Assert.Equal((family, name), (os!.Family, os.Name));
    }

    [Theory]
    [InlineData("etc/os-release", "")]
    [InlineData("etc/os-release", "ID=unknown-distro\nVERSION_ID=1\n")]
    [InlineData("etc/os-release", "\0\u0001garbage=\"unterminated\n===\n")]
    [InlineData("etc/redhat-release", "nonsense without a version\n")]
    [InlineData("etc/lsb-release", "DISTRIB_ID=Debian\nDISTRIB_RELEASE=12\n")]
    public async Task UnknownOrMalformedFilesGiveNoOs(string path, string content)
    {
        Assert.Null(await DetectAsync((path, content)));
    }

    [Fact]
    public void MergeOfNothingIsNull() => Assert.Null(OsInfoMerger.Merge([]));

    [Fact]
    public void MergeIgnoresVersionsThatDoNotExtend()
    {
        var merged = OsInfoMerger.Merge([
            ("etc/debian_version", new OsInfo { Family = "debian", Name = "11.9" }),
            ("etc/os-release", new OsInfo { Family = "debian", Name = "12" }),
        ]);
        Assert.Equal("12", merged!.Name);
    }

    [Fact]
    public void AnalyzerOnlyWantsReleaseFiles()
    {
        var analyzer = new OsReleaseAnalyzer();
        Assert.True(analyzer.IsRequired(new FileMeta { Path = "etc/os-release", Kind = FileKind.Regular, Size = 300 }));
        Assert.False(analyzer.IsRequired(new FileMeta { Path = "etc/os-release", Kind = FileKind.Symlink }));
        Assert.False(analyzer.IsRequired(new FileMeta { Path = "opt/etc/os-release", Kind = FileKind.Regular, Size = 300 }));
        Assert.False(analyzer.IsRequired(new FileMeta { Path = "etc/os-release", Kind = FileKind.Regular, Size = 10_000_000 }));
    }
}
