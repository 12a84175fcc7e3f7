using System.Text;
using Comb.Contracts;
using Comb.Testing.Images;

namespace Comb.Engine.Tests;

public class BadInputTests
{
    private static async Task<CombInputException> FailsAsync(ScannerFixture fx, string reference, ScanOptions? options = null) =>
        await Assert.ThrowsAsync<CombInputException>(() => fx.InventoryAsync(reference, options));

    private static string LayerBlobPath(string dir, BuiltImage built, int index) =>
        Path.Combine(dir, "blobs", "sha256", built.Layers[index].Digest[7..]);

    [Fact]
    public async Task A_blob_whose_digest_does_not_match_is_rejected()
    {
        using var fx = new ScannerFixture();
        var image = new TestImage().Layer(l => l.File("p/packages.txt", "a 1\n"));
        var dir = fx.PathFor("img");
        image.WriteOciLayout(dir);
        var blob = Directory.EnumerateFiles(Path.Combine(dir, "blobs", "sha256")).Single(f => new FileInfo(f).Length > 0 && IsGzip(f));
        var bytes = File.ReadAllBytes(blob);
        var tampered = new TestLayer().File("p/packages.txt", "evil 1\n").ToTar();
        using (var ms = new MemoryStream())
        {
            using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Fastest, true))
            {
                gz.Write(tampered);
            }

            File.WriteAllBytes(blob, ms.ToArray().Length == bytes.Length ? ms.ToArray() : ms.ToArray());
        }

        var error = await FailsAsync(fx, "oci:" + dir);

        Assert.Matches("digest mismatch|declares|truncated", error.Message);
        Assert.False(Directory.Exists(Path.Combine(fx.CacheDir, "layers")) && Directory.EnumerateFiles(Path.Combine(fx.CacheDir, "layers"), "*", SearchOption.AllDirectories).Any(),
            "facts of an unverified layer must not be cached");
    }

    [Fact]
    public async Task Truncated_gzip_is_a_clear_error()
    {
        using var fx = new ScannerFixture();
        var image = new TestImage().Layer(l => l.File("p/packages.txt", string.Concat(Enumerable.Repeat("pkg 1\n", 5000))));
        var dir = fx.PathFor("img");
        image.WriteOciLayout(dir);
        var blob = Directory.EnumerateFiles(Path.Combine(dir, "blobs", "sha256")).Single(IsGzip);
        var bytes = File.ReadAllBytes(blob);
        File.WriteAllBytes(blob, bytes[..(bytes.Length / 2)]);

        var error = await FailsAsync(fx, "oci:" + dir);

        Assert.Matches("truncated|corrupt|digest", error.Message);
    }

    [Fact]
    public async Task Corrupt_gzip_is_a_clear_error()
    {
        using var fx = new ScannerFixture();
        var dir = fx.PathFor("img");
        var builder = new TestImage().Layer(l => l.File("p/packages.txt", string.Concat(Enumerable.Repeat("pkg 1\n", 5000))));
        var built = builder.Build();
        var corrupt = (byte[])built.Layers[0].Blob.Clone();
        for (var i = 20; i < corrupt.Length - 20; i += 7)
        {
            corrupt[i] ^= 0x5a;
        }

        // Rewrite the layout so the manifest's digest matches the corrupt blob: only decompression can notice.
        WriteLayoutWithLayerBlob(dir, built, corrupt);

        var error = await FailsAsync(fx, "oci:" + dir);

        Assert.Matches("corrupt|malformed|digest", error.Message);
    }

    [Fact]
    public async Task A_tar_entry_climbing_out_of_the_root_is_rejected()
    {
        using var fx = new ScannerFixture();
        new TestImage().Layer(l => l.Raw("../../etc/packages.txt", "evil 1\n")).WriteOciLayout(fx.PathFor("img"));

        var error = await FailsAsync(fx, "oci:" + fx.PathFor("img"));

        Assert.Contains("escapes the image root", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Absolute_entry_names_stay_inside_the_image()
    {
        using var fx = new ScannerFixture();
        new TestImage().Layer(l => l.Raw("/etc/packages.txt", "abs 1\n")).WriteOciLayout(fx.PathFor("img"));

        var inventory = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        Assert.Equal("etc/packages.txt", inventory.PackageSets.Single().FilePath);
    }

    [Fact]
    public async Task A_symlink_pointing_outside_the_image_is_never_followed_on_the_host()
    {
        using var fx = new ScannerFixture();
        var hostFile = fx.PathFor("packages.txt");
        File.WriteAllText(hostFile, "host 1\n");
        new TestImage().Layer(l => l.Symlink("app/packages.txt", "../../../../../" + hostFile.TrimStart('/'))).WriteOciLayout(fx.PathFor("img"));

        var inventory = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        Assert.DoesNotContain(inventory.Packages, p => p.Name == "host");
        Assert.Equal(hostFile.TrimStart('/'), Comb.Engine.Walk.ImagePaths.ResolveLink("app/packages.txt", "../../../../../" + hostFile.TrimStart('/')));
    }

    [Fact]
    public async Task A_decompression_bomb_stops_at_the_cap()
    {
        using var fx = new ScannerFixture();
        new TestImage().Layer(l => l.File("zeros.bin", new byte[4 * 1024 * 1024])).WriteOciLayout(fx.PathFor("img"));

        var error = await FailsAsync(fx, "oci:" + fx.PathFor("img"), fx.Options with { MaxLayerBytes = 1024 * 1024 });

        Assert.Contains("decompression bomb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_blob_is_a_clear_error()
    {
        using var fx = new ScannerFixture();
        var dir = fx.PathFor("img");
        new TestImage().Layer(l => l.File("p/packages.txt", "a 1\n")).WriteOciLayout(dir);
        File.Delete(Directory.EnumerateFiles(Path.Combine(dir, "blobs", "sha256")).Single(IsGzip));

        var error = await FailsAsync(fx, "oci:" + dir);

        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_manifest_media_type_is_rejected()
    {
        using var fx = new ScannerFixture();
        var dir = fx.PathFor("img");
        new TestImage().Layer(l => l.File("p/packages.txt", "a 1\n")).WriteOciLayout(dir);
        var index = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "index.json")))!;
        index["manifests"]![0]!["mediaType"] = "application/vnd.example.unknown+json";
        File.WriteAllText(Path.Combine(dir, "index.json"), index.ToJsonString());

        var error = await FailsAsync(fx, "oci:" + dir);

        Assert.Contains("unsupported manifest media type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_is_a_clear_error()
    {
        using var fx = new ScannerFixture();
        File.WriteAllText(fx.PathFor("notes.txt"), "just text");

        var error = await FailsAsync(fx, fx.PathFor("notes.txt"));

        Assert.Contains("tar", error.Message, StringComparison.Ordinal);
    }

    private static bool IsGzip(string file)
    {
        using var stream = File.OpenRead(file);
        return stream.ReadByte() == 0x1f && stream.ReadByte() == 0x8b;
    }

    private static void WriteLayoutWithLayerBlob(string dir, BuiltImage built, byte[] blob)
    {
        var blobs = Path.Combine(dir, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var digest = TestImage.Digest(blob);
        File.WriteAllBytes(Path.Combine(blobs, digest[7..]), blob);
        File.WriteAllBytes(Path.Combine(blobs, built.ConfigDigest[7..]), built.Config);
        var manifest = Encoding.UTF8.GetString(built.Manifest).Replace(built.Layers[0].Digest, digest, StringComparison.Ordinal)
            .Replace($"\"size\":{built.Layers[0].Blob.Length}", $"\"size\":{blob.Length}", StringComparison.Ordinal);
        var manifestBytes = Encoding.UTF8.GetBytes(manifest);
        var manifestDigest = TestImage.Digest(manifestBytes);
        File.WriteAllBytes(Path.Combine(blobs, manifestDigest[7..]), manifestBytes);
        File.WriteAllText(Path.Combine(dir, "index.json"),
            $"{{\"schemaVersion\":2,\"manifests\":[{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{manifestDigest}\",\"size\":{manifestBytes.Length}}}]}}");
    }
}
