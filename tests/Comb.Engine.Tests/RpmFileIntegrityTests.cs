using System.Text.RegularExpressions;
using Comb.Analyzers.Os.Rpm;
using Comb.Contracts;
using Comb.Engine.Apply;
using Comb.Testing;

namespace Comb.Engine.Tests;

/// <summary>
/// rpm file digests from real rpm databases (SUSE BCI's ndb, Berkeley DB ones) verify package files like dpkg
/// md5sums and apk checksums do: a file whose digest equals the recorded one is the distribution's, one that differs
/// is a modified package file.
/// </summary>
public sealed partial class RpmFileIntegrityTests
{
    private static async Task<IReadOnlyList<PackageDetail>> DetailsAsync(string fixture, string path)
    {
        var db = File.ReadAllBytes(SharedData.Require("peer-fixtures", fixture, "input", path));
        var results = await AnalyzerTester.For(new RpmDbAnalyzer()).WithFile(path, db).RunAsync(TestContext.Current.CancellationToken);
        var result = Assert.Single(results);
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(Assert.Single(result.PackageSets).Packages);
        return result.Details;
    }

    [Theory]
    [InlineData("rpm-ndb/go-rpmdb-sle15-bci", "var/lib/rpm/Packages.db", 100)]
    [InlineData("rpm-bdb/syft-packages-dive", "var/lib/rpm/Packages", 1)]
    [InlineData("rpm-bdb/go-rpmdb-libuuid", "var/lib/rpm/Packages", 1)]
    public async Task Real_rpm_databases_record_a_digest_per_regular_file_without_config_files(string fixture, string path, int minimum)
    {
        var details = await DetailsAsync(fixture, path);

        Assert.NotEmpty(details);
        Assert.All(details, d => Assert.Equal("rpm", d.Kind));
        var digests = details.SelectMany(d => d.FileDigests!).ToList();
        Assert.True(digests.Count >= minimum, $"only {digests.Count} file digests");
        Assert.All(digests, kv =>
        {
            Assert.False(kv.Key.StartsWith('/'));
            Assert.Matches(DigestShape(), kv.Value);
        });

        // Config files (rpm's %config flag: /etc/passwd, /etc/bashrc...) are meant to change and are not recorded.
        Assert.DoesNotContain(digests, kv => kv.Key is "etc/passwd" or "etc/bashrc" or "etc/profile");
    }

    [Fact]
    public async Task An_rpm_file_with_its_recorded_digest_is_verified_and_a_changed_one_is_reported()
    {
        var details = await DetailsAsync("rpm-ndb/go-rpmdb-sle15-bci", "var/lib/rpm/Packages.db");
        var bash = details.Single(d => d.PackageName == "bash");
        var recorded = bash.FileDigests!["usr/bin/bash"];
        Assert.StartsWith("sha256:", recorded, StringComparison.Ordinal);
        var sha256 = recorded["sha256:".Length..];
        var other = details.First(d => d.PackageName != "bash" && d.FileDigests!.Keys.Any(k => k.StartsWith("usr/bin/", StringComparison.Ordinal)));
        var changed = other.FileDigests!.Keys.First(k => k.StartsWith("usr/bin/", StringComparison.Ordinal));
        MalwareFinding Guess(string p) => new() { Path = p, Engines = ["webshell"], Signatures = ["webshell-model"], Category = "webshell", Sha256 = sha256 };

        var outcome = PackageFileIntegrity.Apply(
            [Guess("usr/bin/bash")], details,
            [FileDigestNote.Create("usr/bin/bash", 1, new string('0', 32), new string('0', 40), sha256),
             FileDigestNote.Create(changed, 1, new string('0', 32), new string('0', 40), new string('f', 64))]);

        var finding = Assert.Single(outcome.Malware);
        Assert.Equal(changed, finding.Path);
        Assert.Equal(PackageFileIntegrity.Category, finding.Category);
        Assert.Contains($"rpm package {other.PackageName}", finding.Signatures[0], StringComparison.Ordinal);
        var note = Assert.Single(outcome.Diagnostics);
        Assert.Equal("usr/bin/bash", note.Path);
        Assert.Contains("rpm package bash", note.Message, StringComparison.Ordinal);
    }

    [GeneratedRegex("^(md5:[0-9a-f]{32}|sha1:[0-9a-f]{40}|sha256:[0-9a-f]{64})$")]
    private static partial Regex DigestShape();
}
