using Comb.Contracts;
using Comb.Engine.Apply;

namespace Comb.Engine.Tests;

/// <summary>Malware verdicts against the digests the package database records.</summary>
public sealed class PackageFileIntegrityTests
{
    private static readonly PackageDetail Wordpress = new()
    {
        Path = "var/lib/dpkg/info/wordpress.md5sums",
        Kind = "dpkg",
        PackageName = "wordpress",
        FileDigests = new Dictionary<string, string>
        {
            ["usr/share/wordpress/wp-admin/includes/file.php"] = "md5:0123456789abcdef0123456789abcdef",
            ["usr/share/wordpress/index.php"] = "md5:fedcba9876543210fedcba9876543210",
            ["bin/tool"] = "md5:00000000000000000000000000000001",
        },
    };

    private static FileNote Note(string path, string md5) => FileDigestNote.Create(path, 10, md5, new string('1', 40), new string('2', 64));

    private static MalwareFinding Finding(string path, string engine = "webshell", string category = "webshell") => new()
    {
        Path = path, Engines = [engine], Signatures = [$"{engine}-rule"], Category = category, Sha256 = new string('2', 64),
    };

    [Fact]
    public void A_web_shell_verdict_on_a_verified_file_is_noted_not_reported()
    {
        var outcome = PackageFileIntegrity.Apply(
            [Finding("usr/share/wordpress/wp-admin/includes/file.php")], [Wordpress],
            [Note("usr/share/wordpress/wp-admin/includes/file.php", "0123456789abcdef0123456789abcdef")]);

        Assert.Empty(outcome.Malware);
        var note = Assert.Single(outcome.Diagnostics);
        Assert.Contains("dpkg package wordpress", note.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_signature_hit_on_a_verified_file_stays_reported()
    {
        var outcome = PackageFileIntegrity.Apply(
            [Finding("usr/share/wordpress/index.php", "hash", "trojan")], [Wordpress],
            [Note("usr/share/wordpress/index.php", "fedcba9876543210fedcba9876543210")]);

        Assert.Single(outcome.Malware);
        Assert.Empty(outcome.Diagnostics);
    }

    [Fact]
    public void A_changed_package_file_is_its_own_finding_and_joins_a_verdict_on_it()
    {
        var outcome = PackageFileIntegrity.Apply(
            [Finding("usr/share/wordpress/index.php")], [Wordpress],
            [Note("usr/share/wordpress/index.php", "ffffffffffffffffffffffffffffffff"), Note("usr/bin/tool", "00000000000000000000000000000002")]);

        Assert.Equal(["usr/bin/tool", "usr/share/wordpress/index.php"], outcome.Malware.Select(m => m.Path));
        var tool = outcome.Malware[0];
        Assert.Equal(PackageFileIntegrity.Category, tool.Category);
        Assert.Contains("differs from 00000000000000000000000000000001", tool.Evidence.Single(), StringComparison.Ordinal);
        var index = outcome.Malware[1];
        Assert.Equal("webshell", index.Category);
        Assert.Equal(["webshell", "package-db"], index.Engines);
    }

    [Fact]
    public void A_path_two_packages_record_is_verified_by_either_digest()
    {
        // rpm multilib: glibc.i686 and glibc.x86_64 both list the path; the image holds one architecture's file.
        PackageDetail Glibc(string arch, string digest) => new()
        {
            Path = "var/lib/rpm/rpmdb.sqlite", Kind = "rpm", PackageName = "glibc", Arch = arch,
            FileDigests = new Dictionary<string, string> { ["usr/sbin/ldconfig"] = "md5:" + digest },
        };
        PackageDetail[] details = [Glibc("i686", new string('a', 32)), Glibc("x86_64", new string('b', 32))];

        var kept = PackageFileIntegrity.Apply([Finding("usr/sbin/ldconfig")], details, [Note("usr/sbin/ldconfig", new string('b', 32))]);
        var changed = PackageFileIntegrity.Apply([], details, [Note("usr/sbin/ldconfig", new string('c', 32))]);

        Assert.Empty(kept.Malware);
        Assert.Contains("rpm package glibc", Assert.Single(kept.Diagnostics).Message, StringComparison.Ordinal);
        Assert.Equal(PackageFileIntegrity.Category, Assert.Single(changed.Malware).Category);
    }

    [Fact]
    public void Without_recorded_digests_nothing_changes()
    {
        MalwareFinding[] malware = [Finding("var/www/html/x.php")];
        var outcome = PackageFileIntegrity.Apply(malware, [], [Note("var/www/html/x.php", "ffffffffffffffffffffffffffffffff")]);
        Assert.Same(malware, outcome.Malware);
    }
}
