using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Comb.Testing.Images;

/// <summary>
/// A real Debian image (debootstrap minbase, built by scripts/debian-rootfs.sh from Debian's packages and cached
/// per machine), packed once into an OCI layout beside the rootfs tarball.
/// </summary>
public static class DebianImage
{
    private static readonly Lazy<string?> Layout = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string CacheDir => Environment.GetEnvironmentVariable("COMB_TEST_CACHE") is { Length: > 0 } dir ? dir : "/var/cache/comb-test";

    /// <summary>"oci:DIR" of the Debian image; skips the test with the reason when it cannot be built here.</summary>
    public static string RequireReference()
    {
        var layout = Layout.Value;
        Assert.SkipWhen(layout is null, $"Debian test image unavailable: run scripts/debian-rootfs.sh (needs debootstrap and Debian's mirror). {_why}");
        return "oci:" + layout;
    }

    private static string _why = "";

    private static string? Build()
    {
        var rootfs = Path.Combine(CacheDir, "debian-bookworm-rootfs.tar");
        if (!File.Exists(rootfs) && !RunScript())
        {
            return null;
        }

        var layout = Path.Combine(CacheDir, "debian-bookworm-oci");
        if (File.Exists(Path.Combine(layout, "index.json")))
        {
            return layout;
        }

        var temp = layout + ".tmp-" + Environment.ProcessId;
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }

        var blobs = Path.Combine(temp, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var gz = Path.Combine(temp, "layer.tar.gz");
        string diffId;
        using (var input = File.OpenRead(rootfs))
        using (var output = File.Create(gz))
        using (var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256))
        {
            using var gzip = new GZipStream(output, CompressionLevel.Fastest);
            var buffer = new byte[1 << 20];
            int n;
            while ((n = input.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                gzip.Write(buffer, 0, n);
            }

            diffId = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        var layerDigest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(gz)));
        var layerSize = new FileInfo(gz).Length;
        File.Move(gz, Path.Combine(blobs, layerDigest[7..]));
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["created"] = "2024-01-01T00:00:00Z",
            ["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), ["Cmd"] = new JsonArray("bash") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
            ["history"] = new JsonArray(new JsonObject { ["created_by"] = "debootstrap --variant=minbase bookworm" }),
        }.ToJsonString());
        var configDigest = TestImage.Digest(config);
        File.WriteAllBytes(Path.Combine(blobs, configDigest[7..]), config);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = configDigest, ["size"] = config.Length },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip", ["digest"] = layerDigest, ["size"] = layerSize }),
        }.ToJsonString());
        var manifestDigest = TestImage.Digest(manifest);
        File.WriteAllBytes(Path.Combine(blobs, manifestDigest[7..]), manifest);
        File.WriteAllText(Path.Combine(temp, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        File.WriteAllText(Path.Combine(temp, "index.json"),
            $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{manifestDigest}\",\"size\":{manifest.Length},\"annotations\":{{\"org.opencontainers.image.ref.name\":\"bookworm\"}}}}]}}");
        try
        {
            Directory.Move(temp, layout);
        }
        catch (IOException) when (File.Exists(Path.Combine(layout, "index.json")))
        {
            // Another test process won the race; its copy is identical.
            Directory.Delete(temp, recursive: true);
        }

        return layout;
    }

    private static bool RunScript()
    {
        var repo = RepoRoot.Find();
        if (repo is null || Environment.GetEnvironmentVariable("COMB_TEST_NO_DEBOOTSTRAP") is { Length: > 0 })
        {
            _why = "Not building it in this run.";
            return false;
        }

        try
        {
            var start = new ProcessStartInfo("bash", [Path.Combine(repo, "scripts", "debian-rootfs.sh")]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _why = stderr.Result.Trim();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            _why = ex.Message;
            return false;
        }
    }
}
