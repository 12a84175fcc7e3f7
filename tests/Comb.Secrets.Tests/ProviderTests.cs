using Comb.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Secrets.Tests;

public sealed class ProviderTests
{
    [Fact]
    public void Provides_analyzers_only_when_the_secret_scanner_is_on()
    {
        var provider = new ServiceCollection().AddCombSecrets().BuildServiceProvider().GetRequiredService<IAnalyzerProvider>();

        var on = new ScanOptions();
        var off = new ScanOptions { Scanners = new HashSet<string> { Scanners.Vuln } };

        Assert.Equal("secret", Assert.Single(provider.CreateFileAnalyzers(on)).Id);
        Assert.Single(provider.CreateConfigAnalyzers(on));
        Assert.Empty(provider.CreateFileAnalyzers(off));
        Assert.Empty(provider.CreateConfigAnalyzers(off));
    }

    [Fact]
    public void Loads_the_secret_config_file_from_options()
    {
        var file = Path.Combine(Path.GetTempPath(), $"comb-secret-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "disable-rules: [github-pat]\n");
        try
        {
            var provider = new SecretAnalyzerProvider();
            var custom = Assert.Single(provider.CreateFileAnalyzers(new ScanOptions { SecretConfig = file }));
            var plain = Assert.Single(provider.CreateFileAnalyzers(new ScanOptions()));
            Assert.NotEqual(plain.CacheKey, custom.CacheKey);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
