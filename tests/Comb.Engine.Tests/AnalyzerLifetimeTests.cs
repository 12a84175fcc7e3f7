using Comb.Contracts;
using Comb.Image;
using Comb.Image.Local;
using Comb.Testing.Images;

namespace Comb.Engine.Tests;

public sealed class AnalyzerLifetimeTests
{
    [Fact]
    public async Task Analyzers_created_for_a_scan_are_disposed_when_it_ends_even_when_it_fails()
    {
        // Given a provider whose analyzers hold a resource for one scan
        using var fx = new ScannerFixture();
        var provider = new DisposableProvider();
        var scanner = new ImageScanner(new ImageSourceResolver([new OciLayoutSource()]), [provider], [], []);
        new TestImage().Layer(l => l.File("p/packages.txt", "a 1\n")).WriteOciLayout(fx.PathFor("img"));

        // When one scan succeeds and one fails
        await scanner.InventoryAsync("oci:" + fx.PathFor("img"), fx.Options, null, TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<Exception>(() => scanner.InventoryAsync("oci:" + fx.PathFor("missing"), fx.Options, null, TestContext.Current.CancellationToken));

        // Then every analyzer handed out was disposed once
        Assert.Equal(2, provider.Created.Count);
        Assert.All(provider.Created, a => Assert.Equal(1, a.Disposals));
    }

    private sealed class DisposableProvider : IAnalyzerProvider
    {
        public List<DisposableAnalyzer> Created { get; } = [];

        public IEnumerable<IFileAnalyzer> CreateFileAnalyzers(ScanOptions options)
        {
            var analyzer = new DisposableAnalyzer();
            Created.Add(analyzer);
            return [analyzer];
        }
    }

    private sealed class DisposableAnalyzer : IFileAnalyzer, IDisposable
    {
        public int Disposals { get; private set; }

        public string Id => "test-disposable";

        public int Version => 1;

        public bool IsRequired(FileMeta meta) => false;

        public ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken) => ValueTask.FromResult(AnalysisResult.Empty);

        public void Dispose() => Disposals++;
    }
}
