using Comb.Contracts;
using Comb.Secrets.Config;
using Comb.Secrets.Engine;

namespace Comb.Secrets;

/// <summary>
/// Hands out the secret analyzers when the "secret" scanner is on, built from --secret-config and the published
/// values the advisory database knows.
/// </summary>
public sealed class SecretAnalyzerProvider : IAnalyzerProvider
{
    /// <summary>Rule sets kept compiled at once: a host serving many configs rebuilds the least recently used.</summary>
    internal const int MaxRuleSets = 8;

    // Building the rule set compiles regexes; reuse it for every scan with the same config and published values.
    private readonly BoundedCache<string, Lazy<SecretScanner>> _cache = new(MaxRuleSets);
    private readonly IPublishedSecretValueSource? _published;

    public SecretAnalyzerProvider(IPublishedSecretValueSource? published = null) => _published = published;

    public IEnumerable<IFileAnalyzer> CreateFileAnalyzers(ScanOptions options)
    {
        if (!options.IsEnabled(Scanners.Secret))
        {
            return [];
        }

        var (scanner, fingerprint) = Build(options);
        return [new SecretFileAnalyzer(scanner, fingerprint)];
    }

    public IEnumerable<IConfigAnalyzer> CreateConfigAnalyzers(ScanOptions options)
    {
        if (!options.IsEnabled(Scanners.Secret))
        {
            return [];
        }

        var (scanner, fingerprint) = Build(options);
        return [new SecretConfigAnalyzer(scanner, fingerprint)];
    }

    /// <summary>
    /// The rule set's fingerprint now (it keys the caches), the compiled rule set only when a file or the image config
    /// is actually scanned: a scan whose layers and config analysis are all cached compiles nothing.
    /// </summary>
    private (Lazy<SecretScanner> Scanner, string Fingerprint) Build(ScanOptions options)
    {
        var config = options.SecretConfigDocument is { } document ? SecretConfigLoader.Load(document) : SecretConfig.Default;
        var published = _published?.Load(options) ?? [];
        var fingerprint = SecretEngineFactory.Fingerprint(config, published);
        var entry = _cache.GetOrAdd(fingerprint, _ => new(() => SecretEngineFactory.CreateScanner(config, published)));
        return (entry, fingerprint);
    }

    internal int CachedRuleSets => _cache.Count;
}
