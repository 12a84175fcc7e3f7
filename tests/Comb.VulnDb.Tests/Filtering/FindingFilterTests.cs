using System.Text.Json;
using Comb.Contracts;
using Comb.VulnDb.Filtering;

namespace Comb.VulnDb.Tests.Filtering;

public sealed class FindingFilterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-filter-").FullName;

    private static VulnerabilityFinding Finding(string id, Severity severity, string purl, params string[] aliases) => new()
    {
        Id = id,
        Aliases = aliases,
        PackageName = "zlib1g",
        PackageType = PackageTypes.Deb,
        InstalledVersion = "1:1.2.13.dfsg-1",
        PackagePurl = purl,
        Severity = severity,
        FixedVersions = severity == Severity.Low ? [] : ["1:1.2.13.dfsg-2"],
    };

    private static readonly ImageMetadata Image = new()
    {
        Reference = "registry.example/team/app:1",
        ConfigDigest = "sha256:cafe",
        ManifestDigest = "sha256:9f86d08",
        Platform = new ImagePlatform("linux", "amd64"),
        Config = new ImageConfig(),
        Layers = [],
        SourceKind = "registry",
    };

    [Fact]
    public void Ignore_file_lines_take_an_expiry_and_a_reason()
    {
        var entries = IgnoreFile.ParseLines("# header\nCVE-2023-1 exp:2026-12-31 # not reachable\n\nGHSA-x-y-z\n", ".combignore");

        Assert.Equal([new IgnoreEntry("CVE-2023-1", new DateOnly(2026, 12, 31), "not reachable"), new IgnoreEntry("GHSA-x-y-z", null, null)], entries);
    }

    [Fact]
    public void Ignore_file_rejects_a_bad_date_with_the_line_number()
    {
        var ex = Assert.Throws<CombInputException>(() => IgnoreFile.ParseLines("CVE-1\nCVE-2 exp:31/12/2026\n", ".combignore"));
        Assert.Contains(".combignore:2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expired_ignore_entries_stop_applying_and_are_noted()
    {
        var path = Path.Combine(_dir, ".combignore");
        File.WriteAllText(path, "CVE-2023-0001 exp:2026-01-01 # old\nGHSA-keep # by alias\n");
        var diagnostics = new List<Diagnostic>();
        var filter = FindingFilter.FromOptions(new ScanOptions { IgnoreFile = path }, new DateOnly(2026, 11, 26), diagnostics);

        var kept = filter.Apply([Finding("CVE-2023-0001", Severity.High, "pkg:deb/debian/zlib1g"), Finding("CVE-2023-0002", Severity.High, "pkg:deb/debian/zlib1g", "GHSA-keep")], null);

        Assert.Equal(["CVE-2023-0001"], kept.Select(f => f.Id));
        Assert.Contains(diagnostics, d => d.Message.Contains("CVE-2023-0001 expired on 2026-01-01", StringComparison.Ordinal));
    }

    [Fact]
    public void Ignore_file_in_YAML_form()
    {
        var path = Path.Combine(_dir, "ignore.yaml");
        File.WriteAllText(path, "vulnerabilities:\n  - id: CVE-2023-0001\n    expires: 2030-01-01\n    reason: accepted\n  - CVE-2023-0002\n");

        var file = IgnoreFile.Load(ScanDocument.FromFile(path));

        Assert.Equal([new IgnoreEntry("CVE-2023-0001", new DateOnly(2030, 1, 1), "accepted"), new IgnoreEntry("CVE-2023-0002", null, null)], file.Entries);
    }

    [Fact]
    public void Severity_and_unfixed_filters()
    {
        var filter = new FindingFilter([], [], new HashSet<Severity> { Severity.High, Severity.Critical }, ignoreUnfixed: false);
        var unfixed = new FindingFilter([], [], new HashSet<Severity>(), ignoreUnfixed: true);
        var high = Finding("CVE-1", Severity.High, "pkg:deb/debian/a");
        var low = Finding("CVE-2", Severity.Low, "pkg:deb/debian/a");

        Assert.Equal([high], filter.Apply([high, low], null));
        Assert.Equal([high], unfixed.Apply([high, low], null));
    }

    [Fact]
    public void OpenVEX_not_affected_for_the_image_subcomponent_suppresses_only_that_package()
    {
        var vex = WriteVex("""
            { "@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "sec", "timestamp": "2026-11-26T10:00:00Z", "version": 1,
              "statements": [
                { "vulnerability": { "name": "CVE-2023-45853", "aliases": ["GHSA-mq29-j5xf-cjwr"] },
                  "products": [ { "@id": "pkg:oci/app@sha256:9f86d08?repository_url=registry.example%2Fteam%2Fapp",
                                  "subcomponents": [ { "@id": "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64" } ] } ],
                  "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path" } ] }
            """);
        var filter = FindingFilter.FromOptions(new ScanOptions { VexFiles = [vex] }, new DateOnly(2026, 11, 26), []);
        var zlib = Finding("CVE-2023-45853", Severity.Critical, "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12");
        var minizip = Finding("CVE-2023-45853", Severity.Critical, "pkg:deb/debian/libminizip1@1:1.2.13.dfsg-1?arch=amd64");
        var other = Finding("CVE-2023-9999", Severity.Critical, "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64");

        Assert.Equal([minizip, other], filter.Apply([zlib, minizip, other], Image));

        // Another image: the statement does not apply.
        Assert.Equal([zlib], filter.Apply([zlib], Image with { ManifestDigest = "sha256:other", ConfigDigest = "sha256:other2" }));
    }

    [Fact]
    public void Ignore_list_and_VEX_given_as_content_filter_as_their_files_do()
    {
        // Given an ignore list and a VEX document as a request carries them (content, no file anywhere)
        var vex = """
            { "@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "sec", "timestamp": "2026-11-26T10:00:00Z", "version": 1,
              "statements": [ { "vulnerability": { "name": "CVE-2023-0003" }, "products": [ { "@id": "pkg:deb/debian/zlib1g" } ], "status": "not_affected",
                                "justification": "vulnerable_code_not_present" } ] }
            """;
        var options = new ScanOptions
        {
            Ignore = ScanDocument.FromContent("request.combignore", "CVE-2023-0001 exp:2026-01-01\nCVE-2023-0002\n"),
            Vex = [ScanDocument.FromContent("request.vex.json", vex)],
        };
        var diagnostics = new List<Diagnostic>();

        // When the filter is built and applied
        var filter = FindingFilter.FromOptions(options, new DateOnly(2026, 11, 26), diagnostics);
        var kept = filter.Apply([.. new[] { "CVE-2023-0001", "CVE-2023-0002", "CVE-2023-0003", "CVE-2023-0004" }.Select(id => Finding(id, Severity.High, "pkg:deb/debian/zlib1g"))], Image);

        // Then the ignored and not-affected findings are hidden, and the expired entry is noted under the document's name
        Assert.Equal(["CVE-2023-0001", "CVE-2023-0004"], kept.Select(f => f.Id));
        Assert.Contains(diagnostics, d => d.Path == "request.combignore" && d.Message.Contains("CVE-2023-0001 expired", StringComparison.Ordinal));
        Assert.Throws<CombInputException>(() => FindingFilter.FromOptions(new ScanOptions { Vex = [ScanDocument.FromContent("bad.json", "{")] }, new DateOnly(2026, 11, 26), []));
    }

    [Fact]
    public void OpenVEX_latest_statement_wins_and_matches_by_alias()
    {
        var vex = WriteVex("""
            { "@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "sec", "timestamp": "2026-01-01T00:00:00Z", "version": 2,
              "statements": [
                { "vulnerability": { "name": "GHSA-aaaa" }, "products": [ { "@id": "pkg:npm/lodash" } ],
                  "timestamp": "2026-03-01T00:00:00Z", "status": "affected", "action_statement": "upgrade" },
                { "vulnerability": { "name": "GHSA-aaaa" }, "products": [ { "@id": "pkg:npm/lodash" } ],
                  "timestamp": "2026-02-01T00:00:00Z", "status": "not_affected", "justification": "component_not_present" },
                { "vulnerability": { "name": "GHSA-bbbb" }, "products": [ { "@id": "pkg:npm/lodash@4.17.15" } ], "status": "fixed" } ] }
            """);
        var filter = FindingFilter.FromOptions(new ScanOptions { VexFiles = [vex] }, new DateOnly(2026, 11, 26), []);
        VulnerabilityFinding Lodash(string id, string alias) => new()
        {
            Id = id, Aliases = [alias], PackageName = "lodash", PackageType = PackageTypes.Npm, InstalledVersion = "4.17.15",
            PackagePurl = "pkg:npm/lodash@4.17.15", FixedVersions = ["4.17.21"],
        };

        var kept = filter.Apply([Lodash("CVE-1", "GHSA-aaaa"), Lodash("CVE-2", "GHSA-bbbb")], null);

        Assert.Equal(["CVE-1"], kept.Select(f => f.Id));
    }

    [Fact]
    public void VEX_file_that_is_not_OpenVEX_is_an_input_error()
    {
        var vex = WriteVex("{\"hello\": 1}");
        Assert.Throws<CombInputException>(() => FindingFilter.FromOptions(new ScanOptions { VexFiles = [vex] }, new DateOnly(2026, 11, 26), []));
    }

    private string WriteVex(string json)
    {
        using var _ = JsonDocument.Parse(json);
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".vex.json");
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
