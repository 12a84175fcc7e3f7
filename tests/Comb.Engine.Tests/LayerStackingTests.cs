using Comb.Contracts;
using Comb.Testing.Images;

namespace Comb.Engine.Tests;

public class LayerStackingTests
{
    private static TestImage ThreeLayers() => new TestImage()
        .Layer(l => l.By("ADD base").File("var/lib/test/packages.txt", "libc 1.0\nopenssl 1.1\n").File("etc/old/packages.txt", "gone 1.0\n").File("opt/app/packages.txt", "app 1\n"))
        .Layer(l => l.By("RUN upgrade").File("var/lib/test/packages.txt", "libc 1.0\nopenssl 1.2\n").Whiteout("etc/old"))
        .Layer(l => l.By("RUN cleanup").Opaque("opt/app").File("opt/app/new/packages.txt", "fresh 2\n"));

    [Fact]
    public async Task Whiteouts_and_opaque_dirs_hide_earlier_packages()
    {
        using var fx = new ScannerFixture();
        ThreeLayers().WriteOciLayout(fx.PathFor("img"));

        var inventory = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        var names = inventory.Packages.Select(p => $"{p.Name}@{p.Version}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["fresh@2", "libc@1.0", "openssl@1.2"], names);
    }

    [Fact]
    public async Task Package_keeps_the_layer_that_last_changed_its_record()
    {
        using var fx = new ScannerFixture();
        ThreeLayers().WriteOciLayout(fx.PathFor("img"));

        var inventory = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        var layers = inventory.Image.Layers;
        Assert.Equal(layers[0].DiffId, inventory.Packages.Single(p => p.Name == "libc").LayerDiffId);
        Assert.Equal(layers[1].DiffId, inventory.Packages.Single(p => p.Name == "openssl").LayerDiffId);
        Assert.Equal(layers[2].DiffId, inventory.Packages.Single(p => p.Name == "fresh").LayerDiffId);
        Assert.Equal("var/lib/test/packages.txt", inventory.Packages.Single(p => p.Name == "openssl").Path);
    }

    [Fact]
    public async Task Layer_history_and_sizes_are_reported()
    {
        using var fx = new ScannerFixture();
        ThreeLayers().WriteOciLayout(fx.PathFor("img"));

        var inventory = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        Assert.Equal(["ADD base", "RUN upgrade", "RUN cleanup"], inventory.Image.Layers.Select(l => l.CreatedBy));
        Assert.All(inventory.Image.Layers, l => Assert.True(l.UncompressedSize > 0));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    [InlineData(LayerCompression.None)]
    public async Task Every_layer_compression_is_read(LayerCompression compression)
    {
        using var fx = new ScannerFixture();
        var image = ThreeLayers();
        image.Compression = compression;
        image.WriteOciLayout(fx.PathFor("img"));

        var inventory = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        Assert.Equal(3, inventory.Packages.Count());
    }

    [Theory]
    [InlineData("docker-legacy")]
    [InlineData("docker-oci")]
    [InlineData("oci-archive")]
    [InlineData("oci-tag")]
    public async Task Every_local_source_gives_the_same_inventory(string kind)
    {
        using var fx = new ScannerFixture();
        var image = ThreeLayers();
        var reference = kind switch
        {
            "docker-legacy" => Write(() => image.WriteDockerArchive(fx.PathFor("img.tar"), legacy: true), "docker-archive:" + fx.PathFor("img.tar")),
            "docker-oci" => Write(() => image.WriteDockerArchive(fx.PathFor("img.tar"), legacy: false), fx.PathFor("img.tar")),
            "oci-archive" => Write(() => image.WriteOciArchive(fx.PathFor("img-oci.tar")), "oci-archive:" + fx.PathFor("img-oci.tar")),
            _ => Write(() => image.WriteOciLayout(fx.PathFor("img"), tag: "v1"), "oci:" + fx.PathFor("img") + ":v1"),
        };

        var inventory = await fx.InventoryAsync(reference);

        Assert.Equal(["fresh@2", "libc@1.0", "openssl@1.2"], inventory.Packages.Select(p => $"{p.Name}@{p.Version}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Hard_links_are_read_through_their_target()
    {
        using var fx = new ScannerFixture();
        new TestImage().Layer(l => l.File("a/packages.txt", "x 1\n").HardLink("b/packages.txt", "a/packages.txt")).WriteOciLayout(fx.PathFor("img"));

        var inventory = await fx.InventoryAsync("oci:" + fx.PathFor("img"));

        Assert.Equal(["a/packages.txt", "b/packages.txt"], inventory.PackageSets.Select(s => s.FilePath));
    }

    [Fact]
    public async Task A_directory_is_scanned_as_one_layer()
    {
        using var fx = new ScannerFixture();
        var root = fx.PathFor("tree");
        Directory.CreateDirectory(Path.Combine(root, "src", "lib"));
        File.WriteAllText(Path.Combine(root, "src", "lib", "packages.txt"), "dep 3.1\n");

        var inventory = await fx.InventoryAsync("rootfs:" + root);

        Assert.Equal("src/lib/packages.txt", inventory.Packages.Single().Path);
        Assert.Equal("rootfs", inventory.Image.SourceKind);
    }

    private static string Write(Action write, string reference)
    {
        write();
        return reference;
    }
}
