using Comb.Contracts;
using Comb.VulnDb.Database;
using Comb.VulnDb.Feeds;
using static Comb.VulnDb.Tests.Matching.MatchingTestKit;

namespace Comb.VulnDb.Tests.Matching;

/// <summary>Debian's own urgency, from the tracker's per-CVE list, rates Debian findings that the DSA lists leave unrated.</summary>
public sealed class DebianUrgencyTests : IDisposable
{
    // The tracker's formats: data/CVE/list and data/DSA/list.
    private const string CveList = """
        CVE-2023-9001 (Heap overflow in foo ...)
        	- foo 1.2-3 (bug #1031111; medium**)
        	[bullseye] - foo <no-dsa> (Minor issue)
        	NOTE: https://example.org/fix
        CVE-2023-9002 (Bar does not check ...)
        	- foo 1.2-3 (low)
        	[bookworm] - foo 1.2-2+deb12u1 (high)
        CVE-2023-9003 (Unrated)
        	- foo 1.2-3
        CVE-2023-9004
        	RESERVED
        """;

    private const string DsaList = """
        [01 Apr 2023] DSA-9100-1 foo - security update
        	{CVE-2023-9001 CVE-2023-9002 CVE-2023-9003}
        	[bullseye] - foo 1.0-1+deb11u1
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("comb-debian-urgency-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CVE_list_gives_one_rated_record_per_CVE_with_its_highest_urgency()
    {
        var advisories = DebianTrackerParser.ParseCveList(new StringReader(CveList)).ToList();

        Assert.Equal(["DEBIAN-CVE-2023-9001", "DEBIAN-CVE-2023-9002"], advisories.Select(a => a.Id));
        Assert.Equal([Severity.Medium, Severity.High], advisories.Select(a => a.VendorSeverity));
        Assert.All(advisories, a => Assert.Equal("debian", a.VendorSeveritySource));
        Assert.Equal(["CVE-2023-9001"], advisories[0].Upstream);
        Assert.Empty(advisories[0].Affected);
    }

    [Fact]
    public async Task Debian_findings_take_the_urgency_of_the_CVE_and_name_it()
    {
        var ct = TestContext.Current.CancellationToken;
        Directory.CreateDirectory(Path.Combine(_dir, "feeds", "debian", "CVE"));
        Directory.CreateDirectory(Path.Combine(_dir, "feeds", "debian", "DSA"));
        await File.WriteAllTextAsync(Path.Combine(_dir, "feeds", "debian", "CVE", "list"), CveList, ct);
        await File.WriteAllTextAsync(Path.Combine(_dir, "feeds", "debian", "DSA", "list"), DsaList, ct);
        var dbPath = Path.Combine(_dir, "comb.db");
        await new DbImporter(secretValues: new Comb.Secrets.Config.GitleaksPublishedValueReader()).ImportAsync(Path.Combine(_dir, "feeds"), dbPath, ct);
        using var db = AdvisoryDatabase.Open(dbPath);

        var findings = Match(db, Debian11, Deb("foo", "1.0-1"));

        var first = findings.Named("CVE-2023-9001");
        Assert.NotNull(first);
        Assert.Equal(Severity.Medium, first.Severity);
        Assert.Equal("debian", first.SeveritySource);
        Assert.Equal("CVE-2023-9001 via DEBIAN-CVE-2023-9001 vendor rating", first.SeverityOrigin);
        Assert.Equal(Severity.High, findings.Named("CVE-2023-9002")?.Severity);
        var unrated = findings.Named("CVE-2023-9003");
        Assert.NotNull(unrated);
        Assert.Equal(Severity.Unknown, unrated.Severity);
        Assert.Null(unrated.SeverityOrigin);
    }
}
