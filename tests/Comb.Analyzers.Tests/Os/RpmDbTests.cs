using Comb.Analyzers.Os.Rpm;
using Comb.Contracts;
using Comb.Testing;
using Microsoft.Data.Sqlite;

namespace Comb.Analyzers.Tests.Os;

public sealed class RpmDbTests
{
    private static readonly byte[] Bash = RpmFixtureBuilder.Header("bash", "5.2.26", "3.el9", files: ["/usr/bin/bash", "/usr/bin/sh", "/etc/skel/.bashrc"]);
    private static readonly byte[] Openssl = RpmFixtureBuilder.Header("openssl-libs", "3.0.7", "27.el9", epoch: 1, license: "ASL 2.0");
    private static readonly byte[] PubKey = RpmFixtureBuilder.Header("gpg-pubkey", "fd431d51", "4ae0493b", arch: "(none)");

    private static async Task<AnalysisResult> RunAsync(string path, byte[] db)
    {
        var results = await AnalyzerTester.For(new RpmDbAnalyzer()).WithFile(path, db).RunAsync(TestContext.Current.CancellationToken);
        return Assert.Single(results);
    }

    private static void AssertPackages(AnalysisResult result)
    {
        Assert.Empty(result.Diagnostics);
        var packages = Assert.Single(result.PackageSets).Packages;
        Assert.Equal(["bash@5.2.26-3.el9", "openssl-libs@3.0.7-27.el9"], packages.Select(p => p.Name + "@" + p.Version).Order(StringComparer.Ordinal));
        var bash = packages.Single(p => p.Name == "bash");
        Assert.Equal(["/usr/bin/bash", "/usr/bin/sh", "/etc/skel/.bashrc"], bash.InstalledFiles);
        Assert.Equal(("bash", "5.2.26-3.el9", "x86_64"), (bash.SourceName, bash.SourceVersion, bash.Arch));
        var ssl = packages.Single(p => p.Name == "openssl-libs");
        Assert.Equal(1, ssl.Epoch);
        Assert.Equal(["ASL 2.0"], ssl.Licenses);
        Assert.Equal("pkg:rpm/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&upstream=openssl-libs-3.0.7-27.el9.src.rpm", ssl.Purl);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 4096)]
    [InlineData(true, 4096)]
    public async Task ReadsBerkeleyDbInBothByteOrders(bool bigEndian, int inlineLimit)
    {
        var db = RpmFixtureBuilder.BerkeleyDb([Bash, Openssl, PubKey], bigEndian, pageSize: inlineLimit > 0 ? 4096 : 512, inlineLimit: inlineLimit);
        AssertPackages(await RunAsync("var/lib/rpm/Packages", db));
    }

    [Fact]
    public async Task ReadsNdb()
    {
        AssertPackages(await RunAsync("usr/lib/sysimage/rpm/Packages.db", RpmFixtureBuilder.Ndb([Bash, PubKey, Openssl])));
    }

    [Fact]
    public async Task ReadsSqlite()
    {
        AssertPackages(await RunAsync("var/lib/rpm/rpmdb.sqlite", BuildSqlite([Bash, Openssl, PubKey])));
    }

    [Fact]
    public async Task TruncatedBerkeleyDbGivesDiagnosticAndEmptySet()
    {
        var db = RpmFixtureBuilder.BerkeleyDb([Bash, Openssl], bigEndian: false);
        var result = await RunAsync("var/lib/rpm/Packages", db[..(db.Length - 700)]);
        Assert.Empty(Assert.Single(result.PackageSets).Packages);
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("var/lib/rpm/Packages", diagnostic.Path);
        Assert.Contains("truncated", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokenOverflowChainGivesDiagnostic()
    {
        var big = RpmFixtureBuilder.Header("big", "1", "1", files: [.. Enumerable.Range(0, 300).Select(i => $"/usr/share/big/file{i}")]);
        Assert.True(big.Length > 3 * 512);
        var db = RpmFixtureBuilder.BerkeleyDb([big], bigEndian: false);
        // Point the first overflow page's "next" link back at itself.
        BitConverter.GetBytes(2u).CopyTo(db, (2 * 512) + 16);
        var result = await RunAsync("var/lib/rpm/Packages", db);
        Assert.NotEmpty(result.Diagnostics);
        Assert.Empty(Assert.Single(result.PackageSets).Packages);
    }

    [Fact]
    public async Task GarbageHeaderIsReportedOthersStillRead()
    {
        var garbage = new byte[200];
        new Random(7).NextBytes(garbage);
        var result = await RunAsync("var/lib/rpm/rpmdb.sqlite", BuildSqlite([garbage, Bash, Openssl]));
        Assert.Equal(2, Assert.Single(result.PackageSets).Packages.Count);
        Assert.Contains("1 rpm header", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderWithOffsetsOutsideItsDataIsRejected()
    {
        var header = (byte[])Bash.Clone();
        header[8 + 8] = 0x7f; // first index entry's offset -> far outside the data store
        var result = await RunAsync("var/lib/rpm/Packages.db", RpmFixtureBuilder.Ndb([header]));
        Assert.Empty(Assert.Single(result.PackageSets).Packages);
        Assert.Single(result.Diagnostics);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 })]
    [InlineData(new byte[] { (byte)'S', (byte)'Q', (byte)'L', (byte)'i', (byte)'t', (byte)'e', (byte)' ', (byte)'f', (byte)'o', (byte)'r', (byte)'m', (byte)'a', (byte)'t', (byte)' ', (byte)'3', 0, 9, 9 })]
    [InlineData(new byte[] { (byte)'R', (byte)'p', (byte)'m', (byte)'P', 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public async Task UnreadableDatabasesGiveDiagnostics(byte[] content)
    {
        var result = await RunAsync("var/lib/rpm/Packages", content);
        Assert.Single(result.Diagnostics);
        Assert.Empty(Assert.Single(result.PackageSets).Packages);
    }

    [Fact]
    public void SourceRpmSplits()
    {
        Assert.Equal(("glibc", "2.34-100.el9"), RpmDbAnalyzer.SplitSourceRpm("glibc-2.34-100.el9.src.rpm"));
        Assert.Equal((null, null), RpmDbAnalyzer.SplitSourceRpm(null));
    }

    private static byte[] BuildSqlite(IEnumerable<byte[]> blobs)
    {
        var dir = Directory.CreateTempSubdirectory("comb-test-rpm");
        try
        {
            var path = Path.Combine(dir.FullName, "rpmdb.sqlite");
            using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString()))
            {
                connection.Open();
                using var create = connection.CreateCommand();
                create.CommandText = "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)";
                create.ExecuteNonQuery();
                foreach (var blob in blobs)
                {
                    using var insert = connection.CreateCommand();
                    insert.CommandText = "INSERT INTO Packages (blob) VALUES ($b)";
                    insert.Parameters.AddWithValue("$b", blob);
                    insert.ExecuteNonQuery();
                }
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
