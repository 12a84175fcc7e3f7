using Comb.VulnDb.Versioning;

namespace Comb.VulnDb.Tests.Versioning;

/// <summary>Known orderings per scheme (from each tool's own behaviour), checked in both directions.</summary>
public sealed class TrickyPairTests
{
    [Theory]
    // dpkg
    [InlineData("dpkg", "1.0~rc1", "1.0", -1)]
    [InlineData("dpkg", "1.0~~", "1.0~", -1)]
    [InlineData("dpkg", "1.0~~a", "1.0~~", 1)]
    [InlineData("dpkg", "1:0.9", "2.0", 1)]
    [InlineData("dpkg", "1.0a", "1.0.1", -1)]
    [InlineData("dpkg", "1.0a", "1.0+", -1)]
    [InlineData("dpkg", "1.0.0", "1.0", 1)]
    [InlineData("dpkg", "1.01", "1.1", 0)]
    [InlineData("dpkg", "0:1.0", "1.0", 0)]
    [InlineData("dpkg", "1.0-0", "1.0", 0)]
    [InlineData("dpkg", "2.36-9+deb12u4", "2.36-9+deb12u10", -1)]
    [InlineData("dpkg", "3.0.15-1~deb12u1", "3.0.13-1~deb12u1", 1)]
    [InlineData("dpkg", "1.2.3-1ubuntu0.1", "1.2.3-1", 1)]
    [InlineData("dpkg", "1:2.4.47-2+b1", "1:2.4.47-2", 1)]
    [InlineData("dpkg", "2.0-1-1", "2.0-1", 1)]
    [InlineData("dpkg", "10:1", "9:99", 1)]
    // rpm
    [InlineData("rpm", "1.0~rc1", "1.0", -1)]
    [InlineData("rpm", "1.0^git1", "1.0", 1)]
    [InlineData("rpm", "1.0^git1", "1.0.1", -1)]
    [InlineData("rpm", "1.0a", "1.0", 1)]
    [InlineData("rpm", "6.0.rc1", "6.0", 1)]
    [InlineData("rpm", "10.0001", "10.1", 0)]
    [InlineData("rpm", "2.0", "2_0", 0)]
    [InlineData("rpm", "5.5p1", "5.5p10", -1)]
    [InlineData("rpm", "3.0.7-27.el9", "3.0.7-27.el9_4", -1)]
    [InlineData("rpm", "1:3.0.7-27.el9", "3.0.8-1.el9", 1)]
    [InlineData("rpm", "0:1.0-1", "1.0-1", 0)]
    [InlineData("rpm", "1.0-1.el8", "1.0-1.el8~1", 1)]
    [InlineData("rpm", "1.a", "1.1", -1)]
    [InlineData("rpm", "1.0~rc1^git1", "1.0~rc1", 1)]
    // apk
    [InlineData("apk", "1.1_alpha1", "1.1", -1)]
    [InlineData("apk", "6.0_p1", "6.0", 1)]
    [InlineData("apk", "1.2.3-r1", "1.2.3", 1)]
    [InlineData("apk", "8.2.0", "8.2.001", -1)]
    [InlineData("apk", "8.2.0015", "8.2.002", -1)]
    [InlineData("apk", "0.1.0_alpha_pre2", "0.1.0_alpha", -1)]
    [InlineData("apk", "1.0~1234-r1", "1.0~2345-r0", -1)]
    [InlineData("apk", "1.0_p10-r0", "1.0_p9-r0", 1)]
    [InlineData("apk", "1.2.3a", "1.2.3", 1)]
    [InlineData("apk", "1.2.3a", "1.2.4", -1)]
    [InlineData("apk", "1.0_rc1", "1.0_beta9", 1)]
    [InlineData("apk", "1.0_git20240101", "1.0", 1)]
    [InlineData("apk", "2.10-r0", "2.9-r5", 1)]
    [InlineData("apk", "1.2.3.4", "1.2.3", 1)]
    [InlineData("apk", "3.0.12-r0", "3.0.12-r10", -1)]
    // semver (npm)
    [InlineData("semver", "1.0.0-alpha", "1.0.0-alpha.1", -1)]
    [InlineData("semver", "1.0.0-alpha.1", "1.0.0-alpha.beta", -1)]
    [InlineData("semver", "1.0.0-alpha.beta", "1.0.0-beta", -1)]
    [InlineData("semver", "1.0.0-beta", "1.0.0-beta.2", -1)]
    [InlineData("semver", "1.0.0-beta.2", "1.0.0-beta.11", -1)]
    [InlineData("semver", "1.0.0-beta.11", "1.0.0-rc.1", -1)]
    [InlineData("semver", "1.0.0-rc.1", "1.0.0", -1)]
    [InlineData("semver", "1.0.0-1", "1.0.0-alpha", -1)]
    [InlineData("semver", "1.0.0-alpha.10", "1.0.0-alpha.9a", -1)]
    [InlineData("semver", "1.0.0+build.1", "1.0.0+build.2", 0)]
    [InlineData("semver", "v1.2", "1.2.0", 0)]
    [InlineData("semver", "=1.2.3", "1.2.3", 0)]
    [InlineData("semver", "1.10.0", "1.9.9", 1)]
    [InlineData("semver", "99999999999999999999.0.0", "9.0.0", 1)]
    // go
    [InlineData("go", "v1.2.3", "1.2.3", 0)]
    [InlineData("go", "v2.0.0+incompatible", "v2.0.0", 0)]
    [InlineData("go", "v0.0.0-20210101000000-abcdef123456", "v0.0.1", -1)]
    [InlineData("go", "v0.0.0-20210101000000-abcdef123456", "v0.0.0-20200101000000-abcdef123456", 1)]
    [InlineData("go", "v1.2.4-0.20210101000000-abcdef123456", "v1.2.3", 1)]
    [InlineData("go", "v1.2", "v1.2.0", 0)]
    [InlineData("go", "go1.21.0", "1.21.0", 0)]
    [InlineData("go", "go1.21rc2", "go1.21.0", -1)]
    // cargo
    [InlineData("cargo", "0.8.5", "0.8.10", -1)]
    [InlineData("cargo", "1.0.0-alpha.1", "1.0.0", -1)]
    [InlineData("cargo", "1.0.0+abc", "1.0.0", 0)]
    // pep440
    [InlineData("pep440", "1.0.dev456", "1.0a1", -1)]
    [InlineData("pep440", "1.0a1", "1.0a2.dev456", -1)]
    [InlineData("pep440", "1.0a2.dev456", "1.0b2", -1)]
    [InlineData("pep440", "1.0b2", "1.0rc1", -1)]
    [InlineData("pep440", "1.0rc1", "1.0", -1)]
    [InlineData("pep440", "1.0", "1.0+abc.7", -1)]
    [InlineData("pep440", "1.0+abc.7", "1.0.post1", -1)]
    [InlineData("pep440", "1.0.post1", "1.0.post456.dev34", -1)]
    [InlineData("pep440", "1!0.1", "2.0", 1)]
    [InlineData("pep440", "1.0", "1.0.0", 0)]
    [InlineData("pep440", "1.0a1.dev1", "1.0a1", -1)]
    [InlineData("pep440", "1.0.post1.dev1", "1.0.post1", -1)]
    [InlineData("pep440", "1.0+abc", "1.0+1", -1)]
    [InlineData("pep440", "1.0c1", "1.0rc1", 0)]
    [InlineData("pep440", "1.0-1", "1.0.post1", 0)]
    [InlineData("pep440", "1.0RC1", "1.0rc1", 0)]
    [InlineData("pep440", "v1.0", "1.0", 0)]
    [InlineData("pep440", "1.0alpha", "1.0a0", 0)]
    [InlineData("pep440", "1.0-r2", "1.0.post2", 0)]
    [InlineData("pep440", "1.0+ubuntu.1", "1.0+ubuntu.1.1", -1)]
    [InlineData("pep440", "1.0.dev1", "1.0.post1.dev1", -1)]
    // maven
    [InlineData("maven", "1", "1.1", -1)]
    [InlineData("maven", "1-snapshot", "1", -1)]
    [InlineData("maven", "1", "1-sp", -1)]
    [InlineData("maven", "1.sp", "1", 1)]
    [InlineData("maven", "1-foo2", "1-foo10", -1)]
    [InlineData("maven", "1.foo", "1-foo", 0)]
    [InlineData("maven", "1-foo", "1-1", -1)]
    [InlineData("maven", "1-1", "1.1", -1)]
    [InlineData("maven", "1.ga", "1", 0)]
    [InlineData("maven", "1-ga", "1.0", 0)]
    [InlineData("maven", "1-sp-1", "1-ga-1", -1)]
    [InlineData("maven", "1-a1", "1-alpha-1", 0)]
    [InlineData("maven", "1.0-rc1", "1.0-cr1", 0)]
    [InlineData("maven", "1.0-SNAPSHOT", "1.0", -1)]
    [InlineData("maven", "1.0-xyz", "1.0-sp", 1)]
    [InlineData("maven", "1.0.0.RELEASE", "1.0.0", 0)]
    [InlineData("maven", "2.0.0.Final", "2.0.0", 0)]
    [InlineData("maven", "1.0.0.RC1", "1.0.0.RC2", -1)]
    [InlineData("maven", "1.0.0.RC2", "1.0.0.RELEASE", -1)]
    [InlineData("maven", "2.0.0.M1", "2.0.0.RELEASE", -1)]
    [InlineData("maven", "2.0.0.M1", "2.0.0.RC1", -1)]
    [InlineData("maven", "1.2.3-alpha-1", "1.2.3", -1)]
    [InlineData("maven", "2.14.1", "2.15.0", -1)]
    [InlineData("maven", "2.17.0", "2.3.1", 1)]
    [InlineData("maven", "1.0-alpha", "1.0-beta", -1)]
    [InlineData("maven", "1.0-beta", "1.0-milestone", -1)]
    [InlineData("maven", "1.0-m1", "1.0-rc1", -1)]
    [InlineData("maven", "1.0-rc1", "1.0-snapshot", -1)]
    // nuget
    [InlineData("nuget", "1.0.0-Beta", "1.0.0-beta", 0)]
    [InlineData("nuget", "1.0.0-rc.2", "1.0.0-rc.10", -1)]
    [InlineData("nuget", "1.0.0-rc2", "1.0.0-rc10", 1)]
    [InlineData("nuget", "1.0.0.1", "1.0.0", 1)]
    [InlineData("nuget", "1.0.0-1", "1.0.0-alpha", -1)]
    [InlineData("nuget", "1.0.0+build1", "1.0.0+build2", 0)]
    [InlineData("nuget", "1.0.0.0", "1.0.0", 0)]
    [InlineData("nuget", "01.0", "1.0.0", 0)]
    [InlineData("nuget", "13.0.1", "13.0.3", -1)]
    [InlineData("nuget", "1.0.0-alpha", "1.0.0-alpha.1", -1)]
    // rubygems
    [InlineData("rubygems", "1.0.a", "1.0", -1)]
    [InlineData("rubygems", "1.0.a10", "1.0.a9", 1)]
    [InlineData("rubygems", "1.0.b1", "1.0.a2", 1)]
    [InlineData("rubygems", "2.0.0.pre1", "2.0.0.rc1", -1)]
    [InlineData("rubygems", "2.0.0.rc1", "2.0.0", -1)]
    [InlineData("rubygems", "1.0-rc1", "1.0", -1)]
    [InlineData("rubygems", "1.0.0", "1.0", 0)]
    [InlineData("rubygems", "1.2.0.a", "1.2.a", 0)]
    [InlineData("rubygems", "1.16.0", "1.9.5", 1)]
    [InlineData("rubygems", "5.2.4.3", "5.2.4", 1)]
    // composer
    [InlineData("composer", "1.0.0-dev", "1.0.0-alpha1", -1)]
    [InlineData("composer", "1.0.0-alpha1", "1.0.0-beta9", -1)]
    [InlineData("composer", "1.0.0-beta9", "1.0.0-beta10", -1)]
    [InlineData("composer", "1.0.0-beta10", "1.0.0-RC1", -1)]
    [InlineData("composer", "1.0.0-RC1", "1.0.0", -1)]
    [InlineData("composer", "1.0.0", "1.0.0-p1", -1)]
    [InlineData("composer", "v1.0", "1.0.0.0", 0)]
    [InlineData("composer", "1.0.0-rc1", "1.0.0RC1", 0)]
    [InlineData("composer", "2.1.x-dev", "2.1.5", 1)]
    [InlineData("composer", "1.0.0-stable", "1.0.0", 0)]
    [InlineData("composer", "1.0.0+build", "1.0.0", 0)]
    [InlineData("composer", "10.0.0", "9.9.9", 1)]
    [InlineData("composer", "2010-01-02", "2010.01.03", -1)]
    [InlineData("composer", "1.0.0-pl2", "1.0.0-patch1", 1)]
    public void Orders_known_pairs(string scheme, string left, string right, int expected)
    {
        var comparer = VersionSchemes.For(scheme);

        Assert.True(comparer.IsValid(left), $"{left} should be a valid {scheme} version");
        Assert.True(comparer.IsValid(right), $"{right} should be a valid {scheme} version");
        Assert.Equal(expected, Math.Sign(comparer.Compare(left, right)));
        Assert.Equal(-expected, Math.Sign(comparer.Compare(right, left)));
    }

    [Theory]
    [InlineData("dpkg", "")]
    [InlineData("dpkg", "a:1.0")]
    [InlineData("dpkg", "abc")]
    [InlineData("dpkg", "1.0-")]
    [InlineData("rpm", "x:1.0")]
    [InlineData("rpm", "")]
    [InlineData("apk", "1.0-1")]
    [InlineData("apk", "1.0_foo")]
    [InlineData("apk", "v1.0")]
    [InlineData("apk", "1.0-r")]
    [InlineData("semver", "1.2.3.4")]
    [InlineData("semver", "latest")]
    [InlineData("semver", "1.0.0-")]
    [InlineData("go", "master")]
    [InlineData("cargo", "v1.2.3")]
    [InlineData("cargo", "1.2")]
    [InlineData("pep440", "1.0-foo")]
    [InlineData("pep440", "french toast")]
    [InlineData("maven", "")]
    [InlineData("nuget", "1.0.0.0.0")]
    [InlineData("nuget", "one")]
    [InlineData("rubygems", "1.0..1")]
    [InlineData("rubygems", "junk!")]
    [InlineData("composer", "dev-main")]
    [InlineData("composer", "not a version")]
    public void Rejects_text_the_scheme_cannot_order(string scheme, string version)
    {
        Assert.False(VersionSchemes.For(scheme).IsValid(version));
    }

    [Theory]
    [InlineData("semver")]
    [InlineData("pep440")]
    [InlineData("composer")]
    [InlineData("apk")]
    public void Unreadable_versions_sort_before_readable_ones_and_among_themselves_ordinally(string scheme)
    {
        var comparer = VersionSchemes.For(scheme);

        Assert.True(comparer.Compare("zzz not a version", "0.0.1") < 0);
        Assert.True(comparer.Compare("0.0.1", "zzz not a version") > 0);
        Assert.True(comparer.Compare("aaa junk", "bbb junk") < 0);
        Assert.Equal(0, comparer.Compare("same junk", "same junk"));
    }

    [Fact]
    public void Strict_cargo_rejects_loose_forms_but_still_orders_them()
    {
        var cargo = VersionSchemes.For("cargo");

        Assert.False(cargo.IsValid("1.2"));
        Assert.Equal(0, cargo.Compare("1.2", "1.2.0"));
    }
}
