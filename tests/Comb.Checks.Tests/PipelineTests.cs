using System.Text.Json.Nodes;
using Comb.Contracts;
using Comb.Engine;
using Comb.Testing.Images;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Checks.Tests;

/// <summary>The checks inside the real scan pipeline: layer walk, applier, stages, as the scan command runs them.</summary>
public sealed class PipelineTests
{
    private static ServiceProvider Services() => new ServiceCollection().AddCombEngine().AddCombChecks().BuildServiceProvider();

    private static ScanOptions Options(string cacheDir, string? policy = null, string? dockerfile = null) => new()
    {
        Scanners = new HashSet<string> { Scanners.Config },
        CacheDir = cacheDir,
        NoStore = true,
        PolicyFile = policy,
        Dockerfile = dockerfile,
        ConfigChecks = new() { BaseLayers = 1 },
    };

    [Fact]
    public void Registers_one_provider_two_stages_and_the_verdict()
    {
        using var services = Services();
        Assert.Contains(services.GetServices<IAnalyzerProvider>(), p => p is Config.CheckAnalyzerProvider);
        Assert.Equal([200, 300], services.GetServices<IScanStage>().Where(s => s.GetType().Namespace!.StartsWith("Comb.Checks", StringComparison.Ordinal)).Select(s => s.Order).Order());
        Assert.IsType<Policy.VerdictService>(services.GetRequiredService<IVerdictService>());
    }

    [Fact]
    public async Task A_crafted_image_gets_its_findings_through_the_pipeline()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("comb-checks-");
        try
        {
            var suid = (UnixFileMode)Convert.ToInt32("4755", 8);
            var image = new TestImage()
                .Layer(l => l.By("ADD file:base in /").File("usr/bin/passwd", "elf", suid).File("etc/hostname", "x"))
                .Layer(l => l.By("RUN /bin/sh -c apt-get install -y helper && curl -fsSL https://get.example | sh # buildkit")
                    .File("usr/local/bin/helper", "elf", suid)
                    .File("etc/app.conf", "k=v", (UnixFileMode)Convert.ToInt32("0666", 8))
                    .File("var/cache/apt/archives/helper_1.0_amd64.deb", "deb"))
                .Layer(l => l.By("RUN /bin/sh -c rm -rf /var/cache/apt/archives/*.deb # buildkit").Whiteout("var/cache/apt/archives/helper_1.0_amd64.deb"))
                .Config(c => c["ExposedPorts"] = new JsonObject { ["22/tcp"] = new JsonObject() });
            var layout = Path.Combine(dir.FullName, "layout");
            image.WriteOciLayout(layout);
            var dockerfile = Path.Combine(dir.FullName, "Dockerfile");
            await File.WriteAllTextAsync(dockerfile, "FROM debian:latest\nRUN apt-get install -y helper\n", ct);
            using var services = Services();

            var report = await services.GetRequiredService<ImageScanner>().ScanAsync("oci:" + layout, Options(Path.Combine(dir.FullName, "cache"), "default", dockerfile), null, ct);

            var found = report.Misconfigurations.Select(f => (f.CheckId, f.Location)).ToList();
            Assert.Contains(("CIS-DI-0001", "USER"), found);
            Assert.Contains(("CIS-DI-0008", "usr/local/bin/helper"), found);
            Assert.DoesNotContain(("CIS-DI-0008", "usr/bin/passwd"), found); // base layer
            Assert.Contains(("COMB-DI-0002", "etc/app.conf"), found);
            Assert.Contains(("DKL-DI-0005", "var/cache/apt/archives"), found); // deleted later, still in layer 1
            Assert.Contains(("CIS-DI-0011", "history[1]"), found);
            Assert.Contains(("COMB-DI-0001", "config.json"), found);
            Assert.Contains(("DKL-DI-0006", "Dockerfile:1"), found);
            Assert.Contains(("COMB-DF-0001", "Dockerfile:2"), found);
            Assert.Equal(report.Image.Layers[1].DiffId, report.Misconfigurations.Single(f => f.CheckId == "CIS-DI-0008").LayerDiffId);

            Assert.Equal("warn", report.Policy!.Decision);
            Assert.Contains(report.Policy.Fired, f => f.RuleId == "warn-misconfiguration");
            Assert.Null(report.Trust);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_real_debian_image()
    {
        var reference = DebianImage.RequireReference();
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("comb-checks-");
        try
        {
            using var services = Services();
            var options = Options(dir.FullName) with { ConfigChecks = new() };

            var report = await services.GetRequiredService<ImageScanner>().ScanAsync(reference, options, null, ct);

            var setuid = report.Misconfigurations.Where(f => f.CheckId == "CIS-DI-0008").Select(f => f.Location).ToList();
            Assert.Contains("usr/bin/passwd", setuid);
            Assert.Contains("usr/bin/su", setuid);
            Assert.Contains(report.Misconfigurations, f => f.CheckId == "CIS-DI-0001");
            Assert.Contains(report.Misconfigurations, f => f.CheckId == "CIS-DI-0006");
            Assert.DoesNotContain(report.Misconfigurations, f => f.CheckId == "COMB-DI-0002"); // debootstrap leaves no world-writable system files
            Assert.Null(report.Policy); // no --policy: no verdict
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
