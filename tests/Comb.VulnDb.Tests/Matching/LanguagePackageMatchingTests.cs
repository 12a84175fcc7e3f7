using Comb.Contracts;
using static Comb.VulnDb.Tests.Matching.MatchingTestKit;

namespace Comb.VulnDb.Tests.Matching;

[Collection(AdvisoryDbCollection.Name)]
public sealed class LanguagePackageMatchingTests(AdvisoryDbFixture fixture)
{
    [Fact]
    public void Lodash_4_17_15_reports_both_GHSA_advisories_under_their_CVEs_with_fixes()
    {
        using var db = fixture.Open();

        var findings = Match(db, null, Lang(PackageTypes.Npm, "lodash", "4.17.15", "app/package-lock.json"));

        var pollution = findings.Named("GHSA-p6mc-m468-83gw");
        Assert.NotNull(pollution);
        Assert.Equal("CVE-2020-8203", pollution.Id);
        Assert.Equal(["4.17.19"], pollution.FixedVersions);
        Assert.Equal(Severity.High, pollution.Severity);
        Assert.Equal("ghsa", pollution.SeveritySource);
        Assert.Contains(pollution.Cvss, c => c.Vector == "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H" && c.BaseScore == 7.4);
        Assert.Equal("Prototype Pollution in lodash", pollution.Title);
        Assert.Contains("network", pollution.Tags);

        var injection = findings.Named("GHSA-35jh-r3h4-6jhm");
        Assert.NotNull(injection);
        Assert.Equal("CVE-2021-23337", injection.Id);
        Assert.Equal(["4.17.21"], injection.FixedVersions);
        Assert.Equal("upgrade lodash 4.17.15 -> 4.17.21 in /app/package-lock.json, layer 5", injection.FixAdvice);
        Assert.Equal("cd /app && npm ls lodash", injection.CheckCommand);
        Assert.Equal(Layer5, injection.LayerDiffId);
        Assert.Equal("app/package-lock.json", injection.Path);
        Assert.Contains("osv:npm", injection.DataSources);
        Assert.Contains("CWE-94", injection.Cwes);

        // Each vulnerability appears once for the package, whatever number of records describe it.
        Assert.Equal(findings.Count, findings.Select(f => f.Id).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Lodash_at_the_last_fix_is_clean()
    {
        using var db = fixture.Open();

        var findings = Match(db, null, Lang(PackageTypes.Npm, "lodash", "4.17.21", "app/package-lock.json"));

        Assert.Null(findings.Named("CVE-2021-23337"));
        Assert.Null(findings.Named("CVE-2020-8203"));
    }

    [Fact]
    public void PyPI_requests_merges_GHSA_and_PYSEC_into_one_CVE_finding()
    {
        using var db = fixture.Open();

        var findings = Match(db, null, Lang(PackageTypes.PyPI, "Requests", "2.30.0", "usr/lib/python3/dist-packages/requests-2.30.0.dist-info/METADATA"));

        var finding = findings.Named("CVE-2023-32681");
        Assert.NotNull(finding);
        Assert.Equal("CVE-2023-32681", finding.Id);
        Assert.Contains("GHSA-j8r2-6x86-q33q", finding.Aliases);
        Assert.Contains("PYSEC-2023-74", finding.Aliases);
        Assert.Equal(["2.31.0"], finding.FixedVersions);
        Assert.Equal("pip show Requests", finding.CheckCommand);
        Assert.Equal(1, findings.Count(f => f.Id == "CVE-2023-32681"));
    }

    [Fact]
    public void PyPI_version_just_past_the_fix_is_clean()
    {
        using var db = fixture.Open();

        var findings = Match(db, null, Lang(PackageTypes.PyPI, "requests", "2.31.0", "app/requirements.txt"));

        Assert.Null(findings.Named("CVE-2023-32681"));
    }

    [Fact]
    public void Go_module_and_stdlib_match_with_and_without_the_v_prefix()
    {
        using var db = fixture.Open();

        var findings = Match(db, null,
            Lang(PackageTypes.Golang, "golang.org/x/net", "v0.15.0", "usr/local/bin/app"),
            Lang(PackageTypes.Golang, "stdlib", "go1.21.1", "usr/local/bin/app"));

        var xnet = findings.Single(f => f.PackageName == "golang.org/x/net" && f.Aliases.Contains("GHSA-4374-p667-p6c8"));
        Assert.Equal("CVE-2023-39325", xnet.Id);
        Assert.Contains("GO-2023-2102", xnet.Aliases);
        Assert.Equal(["0.17.0"], xnet.FixedVersions);
        Assert.Equal("go version -m /usr/local/bin/app", xnet.CheckCommand);

        var stdlib = findings.Single(f => f.PackageName == "stdlib" && f.Id == "CVE-2023-39325");
        Assert.Equal(["1.21.3"], stdlib.FixedVersions);
        Assert.Equal("upgrade stdlib go1.21.1 -> 1.21.3 in /usr/local/bin/app, layer 5", stdlib.FixAdvice);
    }

    [Fact]
    public void Maven_log4j_core_is_known_exploited_and_fixed_per_branch()
    {
        using var db = fixture.Open();

        var findings = Match(db, null, Lang(PackageTypes.Maven, "org.apache.logging.log4j:log4j-core", "2.14.1", "app/lib/log4j-core-2.14.1.jar"));

        var log4shell = findings.Named("CVE-2021-44228");
        Assert.NotNull(log4shell);
        Assert.True(log4shell.KnownExploited);
        Assert.Contains("kev", log4shell.Tags);
        Assert.Contains("GHSA-jfh8-c2jp-5v3q", log4shell.Aliases);
        Assert.Contains("2.15.0", log4shell.FixedVersions);
        Assert.Equal(Severity.Critical, log4shell.Severity);
        Assert.Contains("upgrade org.apache.logging.log4j:log4j-core 2.14.1 -> 2.15.0", log4shell.FixAdvice, StringComparison.Ordinal);
    }

    [Fact]
    public void Maven_coordinates_come_from_the_groupId_metadata_when_the_name_is_the_artifact()
    {
        using var db = fixture.Open();
        var package = Lang(PackageTypes.Maven, "log4j-core", "2.14.1", "app/lib/log4j-core-2.14.1.jar") with
        {
            Metadata = new Dictionary<string, string> { ["groupId"] = "org.apache.logging.log4j" },
        };

        var findings = Match(db, null, package);

        Assert.NotNull(findings.Named("CVE-2021-44228"));
    }

    [Fact]
    public void Withdrawn_advisory_is_not_reported()
    {
        using var db = fixture.Open();

        // PYSEC-2023-141 (pynetbox, CVE-2023-37625) is withdrawn; its range covers every version.
        var findings = Match(db, null, Lang(PackageTypes.PyPI, "pynetbox", "3.4.0", "app/requirements.txt"));

        Assert.Null(findings.Named("PYSEC-2023-141"));
        Assert.Null(findings.Named("CVE-2023-37625"));
    }

    [Fact]
    public void Crates_io_package_matches_RUSTSEC_by_semver()
    {
        using var db = fixture.Open();

        var findings = Match(db, null, Lang(PackageTypes.Cargo, "smallvec", "1.6.0", "app/Cargo.lock"));

        var finding = findings.Named("RUSTSEC-2021-0003");
        Assert.NotNull(finding);
        Assert.Equal(["1.6.1"], finding.FixedVersions);
        Assert.Equal("CVE-2021-25900", finding.Id);

        // No vendor rating in the record: the severity comes from its CVSS vector's base score.
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.Equal("cvss", finding.SeveritySource);
        Assert.Equal(9.8, Assert.Single(finding.Cvss).BaseScore);
    }

    [Fact]
    public void Last_affected_is_inclusive()
    {
        using var db = fixture.Open();

        // GHSA-p6mc-m468-83gw: lodash.set introduced 3.7.0, last_affected 4.3.2.
        var at = Match(db, null, Lang(PackageTypes.Npm, "lodash.set", "4.3.2", "app/package-lock.json"));
        var before = Match(db, null, Lang(PackageTypes.Npm, "lodash.set", "3.6.0", "app/package-lock.json"));

        var finding = at.Named("GHSA-p6mc-m468-83gw");
        Assert.NotNull(finding);
        Assert.Empty(finding.FixedVersions);
        Assert.Equal("affected", finding.Status);
        Assert.Null(before.Named("GHSA-p6mc-m468-83gw"));
    }
}
