using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Comb.Testing.Images;
using Comb.Testing.Registry;

namespace Comb.Cli.Tests;

/// <summary>
/// Whole scans through the CLI: a built image with vulnerable npm, Python, Go and Java content, a secret deleted
/// in a later layer and a root user, matched against the advisory database built from the shared data.
/// </summary>
public sealed class EndToEndScanTests(ScanFixture fixture) : IClassFixture<ScanFixture>
{
    private const string LockFile = """
        {
          "name": "shop", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
          "packages": {
            "": { "name": "shop", "version": "1.0.0", "dependencies": { "lodash": "^4.17.15" } },
            "node_modules/lodash": { "version": "4.17.15", "resolved": "https://registry.npm.example/lodash/-/lodash-4.17.15.tgz" }
          }
        }
        """;

    private const string AwsKey = "AKIAQYLPMN5HHHFPZAM2";

    private static byte[] Jar(string group, string artifact, string version)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry($"META-INF/maven/{group}/{artifact}/pom.properties");
            using var writer = new StreamWriter(entry.Open());
            writer.Write($"groupId={group}\nartifactId={artifact}\nversion={version}\n");
        }

        return ms.ToArray();
    }

    private string BuildImage(string name)
    {
        var dir = Path.Combine(fixture.Root, name);
        new TestImage()
            .Config(c => c["Env"] = new System.Text.Json.Nodes.JsonArray("PATH=/usr/bin", "DB_PASSWORD=Sup3rS3cretValue!"))
            .Layer(l => l.By("ADD app /app")
                .File("app/package-lock.json", LockFile)
                .File("usr/lib/python3.11/site-packages/requests-2.30.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: requests\nVersion: 2.30.0\n")
                .File("app/go.mod", "module example.com/shop\n\ngo 1.21\n\nrequire golang.org/x/net v0.10.0\n")
                .File("app/lib/log4j-core-2.14.1.jar", Jar("org.apache.logging.log4j", "log4j-core", "2.14.1"))
                .File("app/.aws/credentials", $"[default]\naws_access_key_id = {AwsKey}\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY9\n"))
            .Layer(l => l.By("RUN rm -rf /app/.aws").Whiteout("app/.aws"))
            .WriteOciLayout(dir);
        return "oci:" + dir;
    }

    private async Task<(int Code, JsonDocument Report, string Err)> ScanJsonAsync(string reference, params string[] extra)
    {
        var (code, stdout, stderr) = await CliRunner.RunAsync(["scan", reference, "--format", "json", "--cache-dir", fixture.CacheDir, "-q", .. extra]);
        Assert.True(stdout.Length > 0, stderr);
        return (code, JsonDocument.Parse(stdout), stderr);
    }

    [Fact]
    public async Task Finds_vulnerable_language_packages_with_fixed_versions_layer_and_path()
    {
        fixture.RequireDb();
        var reference = BuildImage("vulnerable");

        var (code, report, err) = await ScanJsonAsync(reference, "--no-store");

        Assert.True(code == 0, err);
        var vulns = report.RootElement.GetProperty("vulnerabilities").EnumerateArray().ToList();
        JsonElement Find(string id, string package) => vulns.Single(v => v.GetProperty("id").GetString() == id && v.GetProperty("packageName").GetString() == package);

        var lodash = Find("CVE-2021-23337", "lodash");
        Assert.Contains("4.17.21", lodash.GetProperty("fixedVersions").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("app/package-lock.json", lodash.GetProperty("path").GetString());
        Assert.StartsWith("sha256:", lodash.GetProperty("layerDiffId").GetString(), StringComparison.Ordinal);
        Assert.Contains("GHSA-35jh-r3h4-6jhm", lodash.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));

        Assert.Contains("2.31.0", Find("CVE-2023-32681", "requests").GetProperty("fixedVersions").EnumerateArray().Select(v => v.GetString()));
        Assert.Contains("0.17.0", Find("CVE-2023-39325", "golang.org/x/net").GetProperty("fixedVersions").EnumerateArray().Select(v => v.GetString()));
        var log4shell = Find("CVE-2021-44228", "org.apache.logging.log4j:log4j-core");
        Assert.True(log4shell.GetProperty("knownExploited").GetBoolean());
        Assert.Equal("Critical", log4shell.GetProperty("severity").GetString());

        // A version past the fix is not reported.
        Assert.DoesNotContain(vulns, v => v.GetProperty("id").GetString() == "CVE-2020-8203" && v.GetProperty("installedVersion").GetString() == "4.17.21");
    }

    [Fact]
    public async Task Reports_secrets_deleted_in_a_later_layer_masked_and_env_passwords()
    {
        fixture.RequireDb();
        var reference = BuildImage("secrets");

        var (_, report, _) = await ScanJsonAsync(reference, "--no-store", "--scanners", "secret,config");
        var json = report.RootElement.GetRawText();

        var secrets = report.RootElement.GetProperty("secrets").EnumerateArray().ToList();
        var aws = secrets.First(s => s.GetProperty("path").GetString() == "app/.aws/credentials" && s.GetProperty("masked").GetString()!.StartsWith("AKIA", StringComparison.Ordinal));
        Assert.True(aws.GetProperty("deletedInLaterLayer").GetBoolean());
        Assert.Contains(secrets, s => s.GetProperty("path").GetString() == "ENV");
        Assert.DoesNotContain(AwsKey, json, StringComparison.Ordinal);
        Assert.DoesNotContain("Sup3rS3cretValue!", json, StringComparison.Ordinal);
        Assert.Contains(report.RootElement.GetProperty("misconfigurations").EnumerateArray(), m => m.GetProperty("location").GetString() == "USER");
    }

    [Fact]
    public async Task Fail_on_severity_and_sarif_output_for_code_scanning()
    {
        fixture.RequireDb();
        var reference = BuildImage("sarif");
        var sarifFile = Path.Combine(fixture.Root, "out.sarif");

        var (code, _, _) = await CliRunner.RunAsync("scan", reference, "--format", "sarif", "--output", sarifFile, "--fail-on", "CRITICAL", "--cache-dir", fixture.CacheDir, "--no-store", "-q");

        Assert.Equal(1, code);
        using var sarif = JsonDocument.Parse(await File.ReadAllTextAsync(sarifFile, TestContext.Current.CancellationToken));
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        var results = sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        Assert.Contains(results, r => r.GetProperty("ruleId").GetString()!.Contains("CVE-2021-44228", StringComparison.Ordinal));
        Assert.All(results, r => Assert.False(r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!.StartsWith('/')));
    }

    [Fact]
    public async Task Scans_are_recorded_then_impact_diff_and_rescan_work_without_pulling()
    {
        fixture.RequireDb();
        var reference = BuildImage("history");
        var store = Path.Combine(fixture.Root, "history-" + Guid.NewGuid().ToString("N") + ".db");

        var scan = await CliRunner.RunAsync("scan", reference, "--format", "json", "--cache-dir", fixture.CacheDir, "--store", store, "-q");
        var history = await CliRunner.RunAsync("history", "--format", "json", "--cache-dir", fixture.CacheDir, "--store", store);
        var impact = await CliRunner.RunAsync("impact", "CVE-2021-44228", "--format", "json", "--cache-dir", fixture.CacheDir, "--store", store);
        var rescan = await CliRunner.RunAsync("rescan", "--all", "--cache-dir", fixture.CacheDir, "--store", store);
        var list = JsonDocument.Parse((await CliRunner.RunAsync("history", "--format", "json", "--store", store)).Out).RootElement.EnumerateArray().ToList();
        var diff = await CliRunner.RunAsync("diff", list[1].GetProperty("id").GetString()!, list[0].GetProperty("id").GetString()!, "--store", store);
        var show = await CliRunner.RunAsync("history", "show", list[0].GetProperty("id").GetString()!, "--format", "sarif", "--store", store);

        Assert.True(scan.Code == 0, scan.Err);
        Assert.Single(JsonDocument.Parse(history.Out).RootElement.EnumerateArray());
        var hit = Assert.Single(JsonDocument.Parse(impact.Out).RootElement.EnumerateArray());
        Assert.Equal("app/lib/log4j-core-2.14.1.jar", hit.GetProperty("path").GetString());
        Assert.True(rescan.Code == 0, rescan.Err);
        Assert.Contains("re-checked 1 images", rescan.Out, StringComparison.Ordinal);
        Assert.Equal(2, list.Count);
        Assert.Equal("rescan", list[0].GetProperty("trigger").GetString());
        Assert.Contains("new vulnerabilities: 0", diff.Out, StringComparison.Ordinal);
        Assert.Contains("\"version\": \"2.1.0\"", show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_severity_filter_changes_what_is_printed_not_what_is_stored()
    {
        fixture.RequireDb();
        var reference = BuildImage("severity");
        var store = Path.Combine(fixture.Root, "history-" + Guid.NewGuid().ToString("N") + ".db");

        var (code, printed, err) = await ScanJsonAsync(reference, "--severity", "CRITICAL", "--store", store);
        var scanId = printed.RootElement.GetProperty("scanId").GetString()!;
        var show = await CliRunner.RunAsync("history", "show", scanId, "--format", "json", "--store", store);
        using var stored = JsonDocument.Parse(show.Out);
        static List<string> Severities(JsonDocument report) =>
            [.. report.RootElement.GetProperty("vulnerabilities").EnumerateArray().Select(v => v.GetProperty("severity").GetString()!).Distinct().Order()];
        var medium = stored.RootElement.GetProperty("vulnerabilities").EnumerateArray().First(v => v.GetProperty("severity").GetString() == "Medium").GetProperty("id").GetString()!;
        var impact = await CliRunner.RunAsync("impact", medium, "--format", "json", "--store", store);

        Assert.True(code == 0, err);
        Assert.Equal(["Critical"], Severities(printed));
        Assert.True(show.Code == 0, show.Err);
        Assert.Contains("Medium", Severities(stored));
        Assert.Contains("High", Severities(stored));
        Assert.True(Severities(stored).Count > 1);
        Assert.Equal(printed.RootElement.GetProperty("createdAt").GetString(), stored.RootElement.GetProperty("createdAt").GetString());
        Assert.True(impact.Code == 0, impact.Err);
        Assert.Contains(JsonDocument.Parse(impact.Out).RootElement.EnumerateArray(), h => h.GetProperty("scanId").GetString() == scanId);
    }

    [Fact]
    public async Task Several_images_at_once_get_one_report_each_and_a_summary_line()
    {
        fixture.RequireDb();
        var a = BuildImage("multi-a");
        var b = BuildImage("multi-b");
        var outDir = Path.Combine(fixture.Root, "reports");

        var (code, _, err) = await CliRunner.RunAsync("scan", a, b, "--format", "json", "--output", outDir, "--cache-dir", fixture.CacheDir, "--no-store", "-q");

        Assert.True(code == 0, err);
        Assert.Equal(2, Directory.GetFiles(outDir, "*.json").Length);
        Assert.Equal(2, err.Split('\n').Count(l => l.Contains(" vulnerabilities", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Scans_an_image_from_a_real_registry()
    {
        fixture.RequireDb();
        await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous, TestContext.Current.CancellationToken);
        var image = new PushableImageBuilder().WithLayer(("app/package-lock.json", LockFile)).Build();
        using var client = registry.CreateClient();
        var digest = await TestImagePusher.PushAsync(client, "shop/web", "1.0", image, cancellationToken: TestContext.Current.CancellationToken);

        var (code, report, err) = await ScanJsonAsync($"{registry.Host}/shop/web:1.0", "--insecure-registry", "--no-store", "--scanners", "vuln");

        Assert.True(code == 0, err);
        Assert.Equal(digest, report.RootElement.GetProperty("image").GetProperty("manifestDigest").GetString());
        Assert.Contains(report.RootElement.GetProperty("vulnerabilities").EnumerateArray(), v => v.GetProperty("packageName").GetString() == "lodash");
    }

    [Fact]
    public async Task The_real_debian_image_is_inventoried_with_its_release()
    {
        var reference = DebianImage.RequireReference();

        var (code, stdout, err) = await CliRunner.RunAsync("sbom", reference, "--format", "json", "--cache-dir", fixture.CacheDir);

        Assert.True(code == 0, err);
        using var report = JsonDocument.Parse(stdout);
        Assert.Equal("debian", report.RootElement.GetProperty("os").GetProperty("family").GetString());
        Assert.StartsWith("12", report.RootElement.GetProperty("os").GetProperty("name").GetString(), StringComparison.Ordinal);
        var packages = report.RootElement.GetProperty("packageSets").EnumerateArray().SelectMany(s => s.GetProperty("packages").EnumerateArray()).ToList();
        Assert.InRange(packages.Count, 60, 200);
        Assert.Contains(packages, p => p.GetProperty("name").GetString() == "libc6");
    }
}
