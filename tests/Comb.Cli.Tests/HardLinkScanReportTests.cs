using System.Text;
using System.Text.Json.Nodes;
using Comb.Testing;
using Comb.Testing.Images;

namespace Comb.Cli.Tests;

/// <summary>
/// A tar's hard link names an earlier entry of the same layer and has no content of its own: what the analyzers that
/// want the link get must not change when the walk stops keeping copies of file contents. Links here point at a
/// package manifest with a vulnerable version, a requirements file, a secret-bearing file, a file that is replaced
/// later in the same layer (by a small and by a large file), a file too large to be kept, a file only some scanner
/// sets read, a file of an earlier layer, a missing target, another link and a loop of links; a later layer
/// overwrites a target and links to it again. The report is compared with the golden file, written by the code that
/// kept copies (regenerate with COMB_UPDATE_GOLDEN=1 only after an intended change in findings).
/// </summary>
public sealed class HardLinkScanReportTests(ScanFixture fixture) : IClassFixture<ScanFixture>
{
    [Theory]
    [InlineData("vuln,secret")]
    [InlineData("vuln,secret,malware,config")]
    public async Task A_cold_scan_of_hard_links_matches_the_golden_file(string scanners)
    {
        fixture.RequireDb();
        var layout = Layout();
        var cache = Path.Combine(fixture.Root, "links-" + scanners.Replace(',', '-'));
        ColdScanReportTests.CopyDatabase(fixture.CacheDir, cache);

        var (code, stdout, err) = await CliRunner.RunAsync("scan", "oci:" + layout, "--scanners", scanners, "--format", "json", "--no-store", "--cache-dir", cache);
        Assert.True(code is 0 or 1, err);
        var actual = ColdScanReportTests.Normalize(stdout);

        var golden = Path.Combine(RepoRoot.Require(), "tests", "Comb.Cli.Tests", "Golden", $"hard-links.{scanners.Replace(',', '-')}.json");
        if (Environment.GetEnvironmentVariable("COMB_UPDATE_GOLDEN") == "1")
        {
            await File.WriteAllTextAsync(golden, actual, TestContext.Current.CancellationToken);
        }

        Assert.True(File.Exists(golden), $"Golden file {golden} missing; run with COMB_UPDATE_GOLDEN=1 to create it.");
        Assert.Equal(await File.ReadAllTextAsync(golden, TestContext.Current.CancellationToken), actual);

        // The links did reach the analyzers: a vulnerable package is reported at a link's path.
        var report = JsonNode.Parse(actual)!;
        Assert.Contains(report["vulnerabilities"]!.AsArray(), v => v!.ToJsonString().Contains("srv/copy/node_modules/lodash/package.json", StringComparison.Ordinal));
        Assert.NotEmpty(report["secrets"]!.AsArray());
    }

    private string Layout()
    {
        var layout = Path.Combine(fixture.Root, "links-oci");
        if (!File.Exists(Path.Combine(layout, "index.json")))
        {
            Image().WriteOciLayout(layout);
        }

        return layout;
    }

    /// <summary>The image with the hard links (also pushed to a registry by <see cref="HardLinkRegistryScanTests"/>).</summary>
    internal static TestImage Image()
    {
        const string Lodash = """{"name":"lodash","version":"4.17.15","license":"MIT"}""";
        var large = new StringBuilder("""{"name":"big","version":"1.0.0","description":" """);
        large.Append('x', 300 * 1024).Append("\"}");
        return new TestImage()
            .Layer(DebianBase.Layer())
            .Layer(l => l.By("COPY app /srv/app")
                .File("srv/app/node_modules/lodash/package.json", Lodash)
                .HardLink("srv/copy/node_modules/lodash/package.json", "srv/app/node_modules/lodash/package.json")
                .File("srv/app/requirements.txt", "django==2.2.0\nrequests==2.19.0\n")
                .HardLink("srv/copy/requirements.txt", "srv/app/requirements.txt")
                .File("srv/app/config/.env", "AWS_ACCESS_KEY_ID=AKIAZ7QW3RTY5UIOPA2S\nAWS_SECRET_ACCESS_KEY=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\n")
                .HardLink("srv/copy/config/.env", "srv/app/config/.env")
                .HardLink("srv/copy/env/requirements.txt", "srv/app/config/.env")
                .File("srv/app/logo.png", """{"name":"minimist","version":"1.2.5"}""")
                .HardLink("srv/png/node_modules/minimist/package.json", "srv/app/logo.png")
                .File("srv/app/big/package.json", large.ToString())
                .HardLink("srv/bigcopy/package.json", "srv/app/big/package.json")
                .File("srv/app/over/package.json", """{"name":"over","version":"1.0.0"}""")
                .HardLink("srv/over1/package.json", "srv/app/over/package.json")
                .File("srv/app/over/package.json", """{"name":"over","version":"2.0.0"}""")
                .HardLink("srv/over2/package.json", "srv/app/over/package.json")
                .File("srv/app/grow/package.json", """{"name":"grow","version":"1.0.0"}""")
                .File("srv/app/grow/package.json", large.ToString())
                .HardLink("srv/grow/package.json", "srv/app/grow/package.json")
                .HardLink("srv/missing/package.json", "srv/nowhere/package.json")
                .HardLink("srv/chain/node_modules/lodash/package.json", "srv/copy/node_modules/lodash/package.json")
                .HardLink("srv/loop/a/package.json", "srv/loop/b/package.json")
                .HardLink("srv/loop/b/package.json", "srv/loop/a/package.json"))
            .Layer(l => l.By("RUN update")
                .File("srv/app/node_modules/lodash/package.json", """{"name":"lodash","version":"4.17.21","license":"MIT"}""")
                .HardLink("srv/l3/node_modules/lodash/package.json", "srv/app/node_modules/lodash/package.json")
                .HardLink("srv/l3/requirements.txt", "srv/app/requirements.txt"));
    }
}
