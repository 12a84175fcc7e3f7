using Comb.Contracts;
using Comb.Engine;
using Comb.Image;
using Comb.Image.Local;

namespace Comb.Engine.Tests;

/// <summary>A scanner over the local sources with one analyzer, and a temp folder deleted afterwards.</summary>
internal sealed class ScannerFixture : IDisposable
{
    public ScannerFixture()
    {
        Dir = Directory.CreateTempSubdirectory("comb-engine-").FullName;
        Analyzer = new LinesPackageAnalyzer();
        var resolver = new ImageSourceResolver([new OciLayoutSource(), new OciArchiveSource(), new DockerArchiveSource(), new RootfsSource()]);
        Scanner = new ImageScanner(resolver, [Analyzer], [], []);
    }

    public string Dir { get; }

    public string CacheDir => Path.Combine(Dir, "cache");

    public LinesPackageAnalyzer Analyzer { get; }

    public ImageScanner Scanner { get; }

    public ScanOptions Options => new() { CacheDir = CacheDir, NoStore = true };

    public string PathFor(string name) => Path.Combine(Dir, name);

    public Task<ImageInventory> InventoryAsync(string reference, ScanOptions? options = null) =>
        Scanner.InventoryAsync(reference, options ?? Options, null, TestContext.Current.CancellationToken);

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
