using Comb.Contracts;
using Comb.VulnDb.Database;
using Comb.VulnDb.Matching;

namespace Comb.VulnDb.Tests.Matching;

/// <summary>Which stored packages an update names, asked per stored row (name, type, source package, purl).</summary>
public sealed class StoredScanFilterTests
{
    private static readonly StoredScanFilter Filter = new("db-2", new AdvisoryDbChanges("db-1",
        [("npm", "lodash"), ("PyPI", "foo-bar"), ("Debian:11", "openssl"), ("Maven", "org.example:lib")], ["CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"]));

    [Theory]
    [InlineData("lodash", PackageTypes.Npm, null, null, true)]
    [InlineData("express", PackageTypes.Npm, null, null, false)]
    [InlineData("Foo_Bar", PackageTypes.PyPI, null, null, true)] // PyPI names are compared normalised
    [InlineData("lodash", PackageTypes.PyPI, null, null, false)] // another ecosystem
    [InlineData("libssl1.1", PackageTypes.Deb, "openssl", null, true)] // by source package, whatever the image's release
    [InlineData("openssl", PackageTypes.Deb, "", null, true)]
    [InlineData("libssl1.1", PackageTypes.Deb, "", null, false)]
    [InlineData("zlib1g", PackageTypes.Deb, null, null, true)] // source not recorded: any distro change counts
    [InlineData("lib", PackageTypes.Maven, null, "pkg:maven/org.example/lib@1.0", true)]
    [InlineData("lib", PackageTypes.Maven, null, null, true)] // its group is unknown here
    [InlineData("other", PackageTypes.Maven, null, "pkg:maven/org.example/other@1.0", false)]
    public void A_package_is_touched_when_a_change_names_it(string name, string type, string? source, string? purl, bool touched) =>
        Assert.Equal(touched, Filter.Touches(name, type, source, purl));

    [Fact]
    public void Without_distro_changes_os_packages_are_never_touched()
    {
        var npmOnly = new StoredScanFilter("db-2", new AdvisoryDbChanges("db-1", [("npm", "lodash")], []));

        Assert.False(npmOnly.Touches("zlib1g", PackageTypes.Deb, null, null));
        Assert.Equal("db-2", npmOnly.CurrentVersion);
        Assert.Empty(npmOnly.Ids);
        Assert.Equal(["CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"], Filter.Ids.Order(StringComparer.Ordinal));
    }
}
