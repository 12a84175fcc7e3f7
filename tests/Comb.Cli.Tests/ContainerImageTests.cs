using System.Text;
using System.Text.Json;
using Comb.Testing;
using Comb.Testing.Images;
using Comb.Testing.Registry;
using Comb.Testing.Services;

namespace Comb.Cli.Tests;

/// <summary>
/// Comb's own container image (deploy/image): built without a daemon by the build script, pushed to a real registry,
/// pulled and run by podman as the non-root user it declares: --version, a real scan of an image archive mounted
/// read-only, and Comb scanning its own image. The build is cached by its inputs, so an unchanged tree costs nothing.
/// </summary>
public sealed class ContainerImageTests(ScanFixture db) : IClassFixture<ScanFixture>
{
    private const int NonRoot = 65532;
    private static readonly string[] Tools = ["buildah", "podman", "skopeo", "runc"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_image_is_built_without_a_daemon_runs_as_non_root_scans_a_mounted_archive_and_its_own_image()
    {
        var missing = Tools.Where(t => Which(t) is null).ToList();
        Assert.SkipWhen(missing.Count > 0, $"{string.Join(", ", missing)} not installed (scripts/setup.sh installs them): Comb's image cannot be built or run here");
        Assert.SkipUnless(ProcessRunner.IsRoot, "podman runs containers here as root only (rootful vfs storage)");
        db.RequireDb();
        var output = TestContext.Current.TestOutputHelper!;
        var work = Directory.CreateTempSubdirectory("comb-image-").FullName;
        try
        {
            // Built by the script the docs name; it prints the OCI archive it wrote.
            var build = ProcessRunner.Run("bash", [Path.Combine(RepoRoot.Require(), "deploy", "image", "build.sh")], timeoutMs: 40 * 60_000);
            Assert.True(build.Code == 0, build.Output);
            var archive = build.Output.Trim().Split('\n')[^1];
            Assert.True(File.Exists(archive), build.Output);

            // The image's configuration: non-root user, comb as entrypoint, the cache volume, OCI labels.
            var config = JsonDocument.Parse(Run("skopeo", "inspect", "--config", $"oci-archive:{archive}")).RootElement.GetProperty("config");
            Assert.Equal($"{NonRoot}:{NonRoot}", config.GetProperty("User").GetString());
            Assert.Equal(["/opt/comb/comb"], config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
            Assert.True(config.GetProperty("Volumes").TryGetProperty("/var/cache/comb", out _));
            var labels = config.GetProperty("Labels");
            foreach (var label in new[] { "title", "description", "version", "revision", "created" })
            {
                Assert.False(string.IsNullOrEmpty(labels.GetProperty("org.opencontainers.image." + label).GetString()), label);
            }

            var layers = JsonDocument.Parse(Run("skopeo", "inspect", "--raw", $"oci-archive:{archive}")).RootElement.GetProperty("layers").EnumerateArray()
                .Select(l => l.GetProperty("size").GetInt64()).ToList();
            output.WriteLine($"image: {layers.Count} layers, {layers.Sum() / 1e6:F1} MB compressed");

            // Pushed to a real registry and pulled from it by podman.
            await using var registry = await RegistryServer.StartAsync(RegistryMode.Anonymous, Ct);
            var image = $"{registry.Host}/comb/comb:test";
            Run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", $"oci-archive:{archive}", $"docker://{image}");
            var podman = new Podman(Path.Combine(work, "storage"));
            podman.Run("pull", "--quiet", "--tls-verify=false", image);

            var version = podman.Run("run", "--rm", "--network", "none", image, "--version");
            Assert.Matches(@"\d+\.\d+\.\d+", version);

            // A real scan inside the container: an image archive mounted read-only, the advisory database and layer cache
            // in the cache volume (a host directory here), the report written to a mounted output directory.
            var cache = Path.Combine(work, "cache");
            Directory.CreateDirectory(Path.Combine(cache, "db"));
            File.Copy(Path.Combine(db.CacheDir, "db", "comb.db"), Path.Combine(cache, "db", "comb.db"));
            var reports = Path.Combine(work, "out");
            Directory.CreateDirectory(reports);
            Run("chmod", "-R", "a+rwX", cache, reports);
            var scanned = Path.Combine(work, "alpine.tar");
            new TestImage()
                .Layer(l => l.File("etc/os-release", "ID=alpine\nVERSION_ID=3.11.6\n")
                    .File("lib/apk/db/installed", "P:musl\nV:1.1.23-r1\nA:x86_64\no:musl\n\n"))
                .Layer(l => l.File("app/deploy.env", "AWS_ACCESS_KEY_ID=AKIAZ7VRSQ4TKCN3QXEB\nAWS_SECRET_ACCESS_KEY=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\n"))
                .WriteDockerArchive(scanned);
            string[] mounts = ["-v", $"{cache}:/var/cache/comb", "-v", $"{reports}:/out", "-v", $"{scanned}:/scan/image.tar:ro", "-v", $"{archive}:/scan/comb.tar:ro"];
            podman.Run(["run", "--rm", "--network", "none", .. mounts, image,
                "scan", "--scanners", "vuln,secret", "--format", "json", "--output", "/out/alpine.json", "--no-store", "docker-archive:/scan/image.tar"]);
            var alpine = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reports, "alpine.json"), Ct)).RootElement;
            Assert.Contains(alpine.GetProperty("vulnerabilities").EnumerateArray(), v => v.GetProperty("id").GetString() == "CVE-2019-14697");
            Assert.Contains(alpine.GetProperty("secrets").EnumerateArray(), s => s.GetProperty("path").GetString()!.EndsWith("deploy.env", StringComparison.Ordinal));

            // The container ran as the image's user: what it wrote in the cache volume belongs to it, not to root.
            var written = Path.Combine(reports, "alpine.json");
            Assert.Equal(NonRoot.ToString(System.Globalization.CultureInfo.InvariantCulture), Run("stat", "-c", "%u", written).Trim());

            // Comb scans its own image: Debian's packages and Comb's own .NET dependencies; none of Comb's is critical.
            podman.Run(["run", "--rm", "--network", "none", .. mounts, image,
                "scan", "--scanners", "vuln,secret,config", "--format", "json", "--output", "/out/comb.json", "--no-store", "oci-archive:/scan/comb.tar"]);
            var self = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(reports, "comb.json"), Ct)).RootElement;
            Assert.Equal("debian", self.GetProperty("os").GetProperty("family").GetString());
            var packages = self.GetProperty("packageSets").EnumerateArray().SelectMany(s => s.GetProperty("packages").EnumerateArray()).ToList();
            Assert.Contains(packages, p => p.GetProperty("name").GetString() == "libssl3");
            Assert.Contains(packages, p => p.GetProperty("type").GetString() == "nuget");
            var vulnerabilities = self.GetProperty("vulnerabilities").EnumerateArray().ToList();
            var own = vulnerabilities.Where(v => v.GetProperty("packageType").GetString() != "deb").ToList();
            output.WriteLine($"own image: {packages.Count} packages; vulnerabilities by severity: "
                + string.Join(", ", vulnerabilities.GroupBy(v => v.GetProperty("severity").GetString()).Select(g => $"{g.Key} {g.Count()}"))
                + $"; in Comb's own (non-Debian) packages: {own.Count}; secrets: {self.GetProperty("secrets").GetArrayLength()}"
                + $"; misconfigurations: {self.GetProperty("misconfigurations").GetArrayLength()}");
            foreach (var v in vulnerabilities)
            {
                output.WriteLine($"  {v.GetProperty("severity").GetString(),-8} {v.GetProperty("id").GetString()} {v.GetProperty("packageName").GetString()} {v.GetProperty("installedVersion").GetString()}");
            }

            Assert.DoesNotContain(own, v => v.GetProperty("severity").GetString() == "Critical");
            Assert.Equal(0, self.GetProperty("secrets").GetArrayLength());
        }
        finally
        {
            ProcessRunner.Run("rm", ["-rf", work]);
        }
    }

    private static string Run(params string[] args)
    {
        var (code, text) = ProcessRunner.Run(args[0], args[1..], timeoutMs: 10 * 60_000);
        Assert.True(code == 0, $"{string.Join(' ', args)}: {text}");
        return text;
    }

    private static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    /// <summary>podman with its own storage (nothing added to the machine's), in the form that runs containers here.</summary>
    private sealed class Podman(string root)
    {
        public string Run(params string[] args)
        {
            string[] global = ["--root", Path.Combine(root, "root"), "--runroot", Path.Combine(root, "run"), "--storage-driver", "vfs",
                "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--events-backend", "file"];
            var command = args[0] == "run" ? [args[0], "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", .. args[1..]] : args;
            var (code, text) = ProcessRunner.Run("podman", [.. global, .. command], timeoutMs: 15 * 60_000);
            Assert.True(code == 0, new StringBuilder("podman ").AppendJoin(' ', command).Append(": ").Append(text).ToString());
            return text;
        }
    }
}
