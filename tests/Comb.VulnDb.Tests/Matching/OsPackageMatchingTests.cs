using Comb.Contracts;
using static Comb.VulnDb.Tests.Matching.MatchingTestKit;

namespace Comb.VulnDb.Tests.Matching;

[Collection(AdvisoryDbCollection.Name)]
public sealed class OsPackageMatchingTests(AdvisoryDbFixture fixture)
{
    [Fact]
    public void Debian_11_openssl_before_DSA_5343_reports_its_CVEs_by_source_package_with_the_fixed_version()
    {
        using var db = fixture.Open();

        var findings = Match(db, Debian11, Deb("libssl1.1", "1.1.1n-0+deb11u3", source: "openssl"));

        foreach (var cve in (string[])["CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"])
        {
            var finding = findings.Named(cve);
            Assert.NotNull(finding);
            Assert.Equal(cve, finding.Id);
            Assert.Contains("DSA-5343-1", finding.Aliases);
            Assert.Equal(["1.1.1n-0+deb11u4"], finding.FixedVersions);
            Assert.Equal("fixed", finding.Status);
            Assert.Equal("libssl1.1", finding.PackageName);
            Assert.Equal("openssl", finding.SourcePackageName);
            Assert.Equal("dpkg-query -W -f='${Version}' libssl1.1", finding.CheckCommand);
            Assert.Equal("upgrade libssl1.1 (source package openssl) 1.1.1n-0+deb11u3 -> 1.1.1n-0+deb11u4 in /var/lib/dpkg/status, layer 0", finding.FixAdvice);
            Assert.Contains("debian", finding.DataSources);
            Assert.Contains("has-fix", finding.Tags);
            Assert.Equal(Layer0, finding.LayerDiffId);
        }
    }

    [Fact]
    public void Debian_finding_without_a_rating_takes_the_vendor_rating_of_a_record_about_that_CVE_alone()
    {
        using var db = fixture.Open();

        var finding = Match(db, Debian11, Deb("openssl", "1.1.1n-0+deb11u3")).Named("CVE-2023-0286");

        // ALSA-2025:7895 is about CVE-2023-0286 alone and rates it Important.
        Assert.NotNull(finding);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("almalinux", finding.SeveritySource);
        Assert.Equal("CVE-2023-0286 via ALSA-2025:7895 vendor rating", finding.SeverityOrigin);
        Assert.False(finding.KnownExploited);
    }

    [Fact]
    public void Debian_fixed_CVEs_are_not_reported()
    {
        using var db = fixture.Open();

        // CVE-2022-2068 was fixed in 1.1.1n-0+deb11u3 (DSA-5169-1), CVE-2022-0778 in 1.1.1k-1+deb11u2 (DSA-5103-1).
        var findings = Match(db, Debian11, Deb("openssl", "1.1.1n-0+deb11u3", source: "openssl"));

        Assert.NotEmpty(findings);
        Assert.Null(findings.Named("CVE-2022-2068"));
        Assert.Null(findings.Named("CVE-2022-0778"));
        Assert.Null(findings.Named("CVE-2022-1292"));
    }

    [Fact]
    public void Debian_package_at_the_fixed_version_has_no_findings_from_that_advisory()
    {
        using var db = fixture.Open();

        var findings = Match(db, Debian11, Deb("openssl", "1.1.1n-0+deb11u4"));

        Assert.Null(findings.Named("CVE-2023-0286"));
        Assert.DoesNotContain(findings, f => f.Aliases.Contains("DSA-5343-1"));
    }

    [Fact]
    public void Debian_release_is_found_from_the_codename_when_the_version_is_not_numeric()
    {
        using var db = fixture.Open();
        var os = new OsInfo { Family = "debian", Name = "bullseye/sid", Codename = "bullseye" };

        var findings = Match(db, os, Deb("openssl", "1.1.1n-0+deb11u3"));

        Assert.NotNull(findings.Named("CVE-2023-0286"));
    }

    [Fact]
    public void Debian_end_of_life_status_is_reported_as_such()
    {
        using var db = fixture.Open();
        var jessie = new OsInfo { Family = "debian", Name = "8.11", Codename = "jessie" };

        var findings = Match(db, jessie, Deb("elasticsearch", "1.0.3+dfsg-5"));

        // DSA-3389-1 "elasticsearch - end of life" names no CVE: the package's own status is the finding.
        var eol = findings.Named("DSA-3389-1");
        Assert.NotNull(eol);
        Assert.Equal("end_of_life", eol.Status);
        Assert.Empty(eol.FixedVersions);
        Assert.StartsWith("no fix: elasticsearch is end-of-life", eol.FixAdvice, StringComparison.Ordinal);
        Assert.Equal("fixed", findings.Named("CVE-2015-3337")?.Status);
    }

    [Fact]
    public void Debian_regression_advisory_without_a_CVE_is_reported_under_its_own_id()
    {
        using var db = fixture.Open();

        // DSA-5356-2 "sox - regression update" names no CVE; it fixes deb11u1.
        var findings = Match(db, Debian11, Deb("sox", "14.4.2+git20190427-2+deb11u1"));

        var regression = findings.Named("DSA-5356-2");
        Assert.NotNull(regression);
        Assert.Equal("DSA-5356-2", regression.Id);
        Assert.Equal(["14.4.2+git20190427-2+deb11u2"], regression.FixedVersions);
        Assert.Null(Match(db, Debian11, Deb("sox", "14.4.2+git20190427-2+deb11u2")).Named("DSA-5356-2"));
    }

    [Fact]
    public void Debian_tracker_urgency_rates_the_finding_and_says_so()
    {
        using var db = fixture.Open();
        var sarge = new OsInfo { Family = "debian", Name = "3.1", Codename = "sarge" };

        // DSA-823-1: "[sarge] - util-linux 2.12p-4sarge1 (high)".
        var finding = Match(db, sarge, Deb("util-linux", "2.12p-4")).Named("CVE-2005-2876");

        Assert.NotNull(finding);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Equal("debian", finding.SeveritySource);
        Assert.Equal("DSA-823-1 urgency", finding.SeverityOrigin);
    }

    [Fact]
    public void Alpine_fix_without_a_CVE_is_reported_under_the_vendor_id()
    {
        using var db = fixture.Open();
        var alpine35 = new OsInfo { Family = "alpine", Name = "3.5.2" };

        var findings = Match(db, alpine35, Apk("xen", "4.7.1-r4"));

        var xsa = findings.Named("XSA-207");
        Assert.NotNull(xsa);
        Assert.Equal("XSA-207", xsa.Id);
        Assert.Contains("ALPINE-XSA-207", xsa.Aliases);
        Assert.Equal(["4.7.1-r5"], xsa.FixedVersions);
        Assert.NotNull(findings.Named("CVE-2017-2615"));
    }

    [Fact]
    public void Alpine_3_11_matches_by_origin_and_branch()
    {
        using var db = fixture.Open();

        var findings = Match(db, Alpine311, Apk("libcrypto1.1", "1.1.1d-r2", origin: "openssl"));

        var finding = findings.Named("CVE-2019-1551");
        Assert.NotNull(finding);
        Assert.Equal(["1.1.1d-r3"], finding.FixedVersions);
        Assert.Equal("apk info -v libcrypto1.1", finding.CheckCommand);
        Assert.Contains("ALPINE-CVE-2019-1551", finding.Aliases);
        Assert.Contains("alpine-secdb", finding.DataSources);
        Assert.Null(findings.Named("CVE-2019-1547"));
    }

    [Fact]
    public void Alpine_package_just_past_the_fix_is_clean()
    {
        using var db = fixture.Open();

        var findings = Match(db, Alpine311, Apk("openssl", "1.1.1d-r3"));

        Assert.Null(findings.Named("CVE-2019-1551"));
    }

    [Fact]
    public void Ubuntu_unfixed_vulnerability_is_reported_without_a_fix()
    {
        using var db = fixture.Open();

        var findings = Match(db, Ubuntu2204, Deb("coreutils", "8.32-4.1ubuntu1"));

        var finding = findings.Named("CVE-2016-2781");
        Assert.NotNull(finding);
        Assert.Equal("affected", finding.Status);
        Assert.Empty(finding.FixedVersions);
        Assert.Equal(Severity.Low, finding.Severity);
        Assert.Equal("ubuntu", finding.SeveritySource);
    }

    [Fact]
    public void OS_packages_without_a_known_release_become_a_diagnostic()
    {
        using var db = fixture.Open();
        var matcher = new Comb.VulnDb.Matching.VulnerabilityMatcher(db, Comb.VulnDb.Matching.OsvComparerResolver.Instance);

        var result = matcher.Match(null, [Deb("openssl", "1.1.1n-0+deb11u3")], Layers, CancellationToken.None);

        Assert.Empty(result.Findings);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains("OS release is unknown", StringComparison.Ordinal));
    }
}
