using Comb.Contracts;
using Comb.Secrets.Config;
using Comb.Secrets.Engine;

namespace Comb.Secrets.Tests;

public sealed class PublishedValuesTests
{
    // 'AIza' and 35 more characters: the shape of a Google API key.
    internal const string PublishedKey = "AIzaSyC0mb9Xq2Lr7Tv_4Hn8Ws1Kd6Pf3Jz5Mb0";
    internal const string LiveKey = "AIzaSyDq7Xw2LiveLookingKey-9f8e7d6c5b4a";

    internal const string RuleSet = $$"""
        [[rules]]
        id = "google-key"
        regex = '''\b(AIza[\w-]{35})\b'''
        [[rules.allowlists]]
        regexes = [
            '''{{PublishedKey}}''',
            '''^[a-z]+$''',
        ]
        stopwords = ["example", "d0c5-sample-passw0rd-1234"]
        [[rules.allowlists]]
        condition = "AND"
        paths = ['''tests/''']
        regexes = ['''AIzaSyOnlyUnderTestsPath00000000000000''']

        [allowlist]
        regexes = ['''^sample\.Passw0rd!$''', '''(?i)dummy[0-9]+''']
        """;

    [Fact]
    public void Only_literal_secret_shaped_entries_of_plain_allow_lists_are_published_values()
    {
        var values = PublishedSecretValues.FromGitleaksConfig(RuleSet, "rules.toml");

        Assert.Equal([PublishedKey, "d0c5-sample-passw0rd-1234", "sample.Passw0rd!"], values);
    }

    [Theory]
    [InlineData("AIzaSyABC123def456", true, "AIzaSyABC123def456")]
    [InlineData(@"^hal\+9ooo_da!sY$", true, "hal+9ooo_da!sY")]
    [InlineData(@"abc\d+", false, "")]
    [InlineData("a.b", false, "")]
    [InlineData("(?i)key", false, "")]
    [InlineData(@"x\\y", true, @"x\y")]
    public void Literal_patterns_are_recognised(string pattern, bool literal, string text)
    {
        Assert.Equal(literal, PublishedSecretValues.TryLiteral(pattern, out var value));
        Assert.Equal(text, value);
    }

    [Fact]
    public void A_published_value_is_not_reported_and_a_different_key_of_the_same_shape_is()
    {
        var published = PublishedSecretValues.FromGitleaksConfig(RuleSet, "rules.toml");
        var text = $"maps_key = \"{PublishedKey}\"\nbackend_key = \"{LiveKey}\"\n";

        var without = SecretEngineFactory.CreateScanner(null).Detector.ScanText("app/config.js", text);
        var with = SecretEngineFactory.CreateScanner(null, published).Detector.ScanText("app/config.js", text);

        Assert.Equal([1, 2], without.Select(f => f.Line).Order());
        Assert.Equal(2, Assert.Single(with).Line);
    }

    [Fact]
    public void Published_values_change_the_cache_fingerprint()
    {
        Assert.NotEqual(SecretEngineFactory.Fingerprint(null), SecretEngineFactory.Fingerprint(null, [PublishedKey]));
        Assert.Equal(SecretEngineFactory.Fingerprint(null, ["b1234567x", "a1234567x"]), SecretEngineFactory.Fingerprint(null, ["a1234567x", "b1234567x"]));
    }

    [Fact]
    public void The_provider_takes_published_values_from_its_source()
    {
        var provider = new SecretAnalyzerProvider(new FixedSource([PublishedKey]));
        var bare = new SecretAnalyzerProvider();
        var options = new ScanOptions();

        var fingerprint = Assert.Single(provider.CreateFileAnalyzers(options)).CacheKey;
        var bareFingerprint = Assert.Single(bare.CreateFileAnalyzers(options)).CacheKey;

        Assert.NotEqual(bareFingerprint, fingerprint);
    }

    private sealed class FixedSource(IReadOnlyCollection<string> values) : IPublishedSecretValueSource
    {
        public IReadOnlyCollection<string> Load(ScanOptions options) => values;
    }
}
