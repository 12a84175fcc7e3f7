using System.Text;
using Comb.Contracts;
using Comb.Testing;
using Comb.VulnDb.Feeds;

namespace Comb.VulnDb.Tests.Feeds;

public sealed class FeedParserTests
{
    [Fact]
    public void OSV_record_keeps_aliases_ranges_severity_cwes_and_withdrawn()
    {
        const string json = """
            {"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-02T03:04:05Z","published":"2023-01-01T00:00:00Z",
             "withdrawn":"2024-02-01T00:00:00Z","aliases":["CVE-2023-0001"],"summary":"Bad thing",
             "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
             "affected":[{"package":{"ecosystem":"npm","name":"left-pad","purl":"pkg:npm/left-pad"},
               "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]},
                         {"type":"ECOSYSTEM","events":[{"introduced":"2.0.0"},{"last_affected":"2.1.0"},{"limit":"*"}]}],
               "versions":["1.1.0"]}],
             "references":[{"type":"WEB","url":"https://example.org/a"}],
             "database_specific":{"severity":"MODERATE","cwe_ids":["CWE-79"]}}
            """;

        var advisory = OsvRecordParser.Parse(Encoding.UTF8.GetBytes(json), "osv:npm");

        Assert.Equal("GHSA-aaaa-bbbb-cccc", advisory.Id);
        Assert.Equal(["CVE-2023-0001"], advisory.Aliases);
        Assert.NotNull(advisory.Withdrawn);
        Assert.Equal(Contracts.Severity.Medium, advisory.VendorSeverity);
        Assert.Equal("ghsa", advisory.VendorSeveritySource);
        Assert.Equal("3.1", Assert.Single(advisory.Cvss).Version);
        Assert.Equal(["CWE-79"], advisory.Cwes);
        var entry = Assert.Single(advisory.Affected);
        Assert.Equal(2, entry.Ranges.Count);
        Assert.Equal([EventKinds.Introduced, EventKinds.LastAffected, EventKinds.Limit], entry.Ranges[1].Events.Select(e => e.Kind));
        Assert.Equal(["1.1.0"], entry.Versions);
    }

    [Fact]
    public void OSV_text_without_an_id_is_rejected()
    {
        Assert.Throws<FormatException>(() => OsvRecordParser.Parse("{\"modified\":\"2024-01-01T00:00:00Z\"}"u8, "osv:npm"));
    }

    [Fact]
    public void Debian_list_entries_become_advisories_with_fixed_versions_and_statuses()
    {
        const string list = """
            [29 Mar 2023] DSA-9999-1 foo - security update
            	{CVE-2023-1111 CVE-2023-2222}
            	[bullseye] - foo 2:1.0-1+deb11u1
            	[buster] - foo <end-of-life>
            	[stretch] - foo <not-affected> (Vulnerable code not present)
            	NOTE: a note
            [28 Mar 2023] DSA-9998-1 bar - regression update
            	[bullseye] - bar <unfixed>
            """;

        var advisories = DebianTrackerParser.Parse(new StringReader(list)).ToList();

        Assert.Equal(2, advisories.Count);
        var foo = advisories[0];
        Assert.Equal("DSA-9999-1", foo.Id);
        Assert.Equal(["CVE-2023-1111", "CVE-2023-2222"], foo.Upstream);
        Assert.Equal(new DateTimeOffset(2023, 3, 29, 0, 0, 0, TimeSpan.Zero), foo.Modified);
        Assert.Equal("Debian:11", foo.Affected[0].Ecosystem);
        Assert.Equal("2:1.0-1+deb11u1", foo.Affected[0].Ranges[0].Events[1].Version);
        Assert.Equal(AffectedStatuses.EndOfLife, foo.Affected[1].Status);
        Assert.Equal("Debian:10", foo.Affected[1].Ecosystem);
        Assert.Equal(AffectedStatuses.NotAffected, foo.Affected[2].Status);
        Assert.Equal(AffectedStatuses.Unfixed, advisories[1].Affected[0].Status);
    }

    [Fact]
    public void Alpine_secdb_JSON_and_YAML_give_the_same_fixes()
    {
        var dir = SharedData.Require("vulndb", "alpine-secdb", "v3.11");

        using var json = File.OpenRead(Path.Combine(dir, "main.json"));
        using var yaml = new StreamReader(Path.Combine(dir, "main.yaml"));
        var fromJson = AlpineSecDbParser.ParseJson(json).ToList();
        var fromYaml = AlpineSecDbParser.ParseYaml(yaml).ToList();

        Assert.NotEmpty(fromJson);
        Assert.Equal(fromJson, fromYaml);
        Assert.Contains(new AlpineSecDbParser.SecFix("v3.11", "openssl", "1.1.1d-r3", "CVE-2019-1551"), fromJson);
    }

    [Fact]
    public void Alpine_fix_version_zero_is_skipped_and_entries_without_a_CVE_keep_their_own_id()
    {
        const string yaml = """
            distroversion: v3.9
            packages:
              - pkg:
                  name: xen
                  secfixes:
                    4.9.1-r1:
                      - CVE-2017-17563 XSA-249
                      - XSA-250
                      - CVE-2017-8073.patch
                      - CVE_2019-2426
                      - CVE-2017-17434-1
                      - CVE-????-?????
                    0:
                      - CVE-2017-0001
            """;

        var fixes = AlpineSecDbParser.ParseYaml(new StringReader(yaml)).Select(f => f.VulnerabilityId).ToList();

        Assert.Equal(["CVE-2017-17563", "XSA-250", "CVE-2017-8073", "CVE-2019-2426", "CVE-2017-17434"], fixes);
    }

    [Fact]
    public void Debian_tracker_urgency_becomes_the_entry_severity()
    {
        const string list = """
            [02 Jan 2006] DSA-900-1 foo - several vulnerabilities
            	{CVE-2005-0001}
            	[sarge] - foo 1.0-1sarge1 (bug #332424; medium)
            	[woody] - foo 0.9-1woody1 (high)
            [01 Jan 2006] DSA-899-1 bar - regression
            	[sarge] - bar 2.0-1sarge2
            """;

        var advisories = DebianTrackerParser.Parse(new StringReader(list)).ToList();

        Assert.Equal([Severity.Medium, Severity.High], advisories[0].Affected.Select(a => a.Severity));
        Assert.Equal(Severity.Unknown, advisories[1].Affected[0].Severity);
    }

    [Fact]
    public void Alpine_repository_without_fixes_is_empty_not_an_error()
    {
        using var json = new MemoryStream("{\"distroversion\":\"v3.3\",\"reponame\":\"community\",\"packages\":null}"u8.ToArray());

        Assert.Empty(AlpineSecDbParser.ParseJson(json));
        Assert.Empty(AlpineSecDbParser.ParseYaml(new StringReader("distroversion: v3.3\nreponame: community\npackages:\n")));
        Assert.Throws<FormatException>(() => AlpineSecDbParser.ParseYaml(new StringReader("hello: world\n")));
    }

    [Fact]
    public void KEV_catalogue_is_read_in_full()
    {
        var path = SharedData.Require("vulndb", "kev", "known_exploited_vulnerabilities.json");

        using var stream = File.OpenRead(path);
        var (entries, released) = KevParser.Parse(stream);

        Assert.Equal(1404, entries.Count);
        Assert.Contains(entries, e => e.CveId == "CVE-2021-44228");
        Assert.Equal(2025, released?.Year);
    }
}
