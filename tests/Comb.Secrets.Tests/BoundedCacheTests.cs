using Comb.Contracts;
using Comb.Secrets.Engine;

namespace Comb.Secrets.Tests;

/// <summary>Process-wide caches keep a bounded number of entries, dropping the least recently used.</summary>
public sealed class BoundedCacheTests
{
    [Fact]
    public void Keeps_at_most_its_capacity_and_drops_the_least_recently_used()
    {
        var cache = new BoundedCache<int, string>(3);
        var built = 0;
        string Build(int key)
        {
            built++;
            return key.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        cache.GetOrAdd(1, Build);
        cache.GetOrAdd(2, Build);
        cache.GetOrAdd(3, Build);
        cache.GetOrAdd(1, Build); // 1 is now the most recent; 2 the least
        cache.GetOrAdd(4, Build); // evicts 2

        Assert.Equal(3, cache.Count);
        Assert.Equal(4, built);
        cache.GetOrAdd(1, Build);
        cache.GetOrAdd(3, Build);
        Assert.Equal(4, built);
        cache.GetOrAdd(2, Build);
        Assert.Equal(5, built);
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void A_host_that_sees_many_secret_configs_keeps_a_bounded_number_of_rule_sets()
    {
        // Given more distinct secret configs than the provider keeps compiled
        var dir = Directory.CreateTempSubdirectory("comb-secret-configs-");
        try
        {
            var provider = new SecretAnalyzerProvider();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < SecretAnalyzerProvider.MaxRuleSets + 3; i++)
            {
                var file = Path.Combine(dir.FullName, $"config{i}.yaml");
                File.WriteAllText(file, $"allow:\n  values: [not-a-secret-{i}]\n");

                // When each is used for a scan
                keys.Add(Assert.Single(provider.CreateFileAnalyzers(new ScanOptions { SecretConfig = file })).CacheKey);
            }

            // Then each got its own rule set, and only the most recent ones stay compiled
            Assert.Equal(SecretAnalyzerProvider.MaxRuleSets + 3, keys.Count);
            Assert.Equal(SecretAnalyzerProvider.MaxRuleSets, provider.CachedRuleSets);
            Assert.True(RegexFactory.SmallPatternsCached <= RegexFactory.MaxSmallPatterns);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
