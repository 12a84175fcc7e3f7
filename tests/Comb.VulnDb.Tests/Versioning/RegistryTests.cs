using Comb.Contracts;
using Comb.VulnDb.Versioning;

namespace Comb.VulnDb.Tests.Versioning;

public sealed class RegistryTests
{
    [Theory]
    [InlineData("Debian", "dpkg")]
    [InlineData("Debian:12", "dpkg")]
    [InlineData("Ubuntu:22.04:LTS", "dpkg")]
    [InlineData("Alpine:v3.20", "apk")]
    [InlineData("AlmaLinux:9", "rpm")]
    [InlineData("Rocky Linux:8", "rpm")]
    [InlineData("Red Hat", "rpm")]
    [InlineData("npm", "semver")]
    [InlineData("PyPI", "pep440")]
    [InlineData("Go", "go")]
    [InlineData("Maven", "maven")]
    [InlineData("NuGet", "nuget")]
    [InlineData("crates.io", "cargo")]
    [InlineData("RubyGems", "rubygems")]
    [InlineData("Packagist", "composer")]
    [InlineData("Hex", "semver")]
    [InlineData("Pub", "semver")]
    public void Maps_osv_ecosystems_to_schemes(string ecosystem, string scheme)
    {
        Assert.Equal(scheme, VersionSchemes.ForEcosystem(ecosystem)?.Scheme);
        Assert.Equal(scheme, VersionSchemes.For(ecosystem).Scheme);
    }

    [Theory]
    [InlineData(PackageTypes.Deb, "dpkg")]
    [InlineData(PackageTypes.Apk, "apk")]
    [InlineData(PackageTypes.Rpm, "rpm")]
    [InlineData(PackageTypes.Npm, "semver")]
    [InlineData(PackageTypes.PyPI, "pep440")]
    [InlineData(PackageTypes.Golang, "go")]
    [InlineData(PackageTypes.Maven, "maven")]
    [InlineData(PackageTypes.NuGet, "nuget")]
    [InlineData(PackageTypes.Gem, "rubygems")]
    [InlineData(PackageTypes.Cargo, "cargo")]
    [InlineData(PackageTypes.Composer, "composer")]
    public void Maps_package_types_to_schemes(string type, string scheme)
    {
        Assert.Equal(scheme, VersionSchemes.ForPackageType(type)?.Scheme);
    }

    [Fact]
    public void Unknown_names_are_reported()
    {
        Assert.Null(VersionSchemes.ForEcosystem("Nowhere"));
        Assert.Null(VersionSchemes.ForPackageType(PackageTypes.Binary));
        Assert.Throws<ArgumentException>(() => VersionSchemes.For("nowhere"));
        Assert.False(VersionSchemes.TryFor("nowhere", out _));
    }

    [Fact]
    public void Every_scheme_is_registered_once_under_its_own_name()
    {
        Assert.Equal(11, VersionSchemes.All.Select(c => c.Scheme).Distinct(StringComparer.Ordinal).Count());
        foreach (var comparer in VersionSchemes.All)
        {
            Assert.Same(comparer, VersionSchemes.For(comparer.Scheme));
        }
    }
}
