using Comb.Engine.Walk;
using Comb.Testing.Images;

namespace Comb.Engine.Tests;

public class SkipPathsTests
{
    [Theory]
    [InlineData("app/config.json", true)]
    [InlineData("srv/keys/server.pem", true)]
    [InlineData("usr/lib/ruby/3.1/x.rb", true)]
    [InlineData("app/node_modules/lib/index.js", true)]
    [InlineData("app/node_modules", false)] // the directory entry itself is not inside it
    [InlineData("app/config.yaml", false)]
    [InlineData("usr/lib/rubyx/y.rb", false)]
    public void Files_and_directories_are_matched_as_globs_with_or_without_a_leading_slash(string path, bool skipped)
    {
        var skipper = new PathSkipper(["/app/config.json", "**/*.pem"], ["usr/lib/ruby/", "**/node_modules"]);

        Assert.Equal(skipped, skipper.Skips(path));
    }

    [Fact]
    public async Task Skipped_paths_are_not_analyzed_and_the_cache_keeps_skipping_apart()
    {
        using var fx = new ScannerFixture();
        new TestImage()
            .Layer(l => l.File("p/packages.txt", "a 1\n").File("vendor/packages.txt", "b 2\n"))
            .WriteOciLayout(fx.PathFor("img"));
        var reference = "oci:" + fx.PathFor("img");

        var all = await fx.InventoryAsync(reference);
        var skipDir = await fx.InventoryAsync(reference, fx.Options with { SkipDirs = ["vendor"] });
        var skipFile = await fx.InventoryAsync(reference, fx.Options with { SkipFiles = ["p/*.txt"] });
        var skipDirAgain = await fx.InventoryAsync(reference, fx.Options with { SkipDirs = ["vendor"] });

        Assert.Equal(["a", "b"], all.Packages.Select(p => p.Name).Order());
        Assert.Equal(["a"], skipDir.Packages.Select(p => p.Name));
        Assert.Equal(["b"], skipFile.Packages.Select(p => p.Name));
        Assert.Equal(["a"], skipDirAgain.Packages.Select(p => p.Name));
        Assert.Equal(2 + 1 + 1, fx.Analyzer.Calls); // one walk per distinct skip set; the repeat comes from the cache
    }
}
