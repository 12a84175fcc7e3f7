using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;

namespace Comb.Server.Registries;

/// <summary>
/// One word for "the analyzers this server runs": a hash of every analyzer's cache key (id and version) for a full
/// scan. A digest analysed under the same signature needs no new pull; a new analyzer version changes it.
/// </summary>
public sealed class AnalyzerSignature(IEnumerable<IAnalyzerProvider> providers)
{
    private readonly Lazy<string> _value = new(() => Compute(providers));

    public string Current => _value.Value;

    private static string Compute(IEnumerable<IAnalyzerProvider> providers)
    {
        var options = new ScanOptions { Scanners = new HashSet<string>(Scanners.All, StringComparer.Ordinal) };
        var keys = new List<string>();
        foreach (var provider in providers)
        {
            var analyzers = provider.CreateFileAnalyzers(options).Cast<object>().Concat(provider.CreatePostAnalyzers(options)).ToList();
            keys.AddRange(analyzers.OfType<IFileAnalyzer>().Select(a => a.CacheKey).Concat(analyzers.OfType<IPostAnalyzer>().Select(a => a.CacheKey)));
            foreach (var analyzer in analyzers)
            {
                if (analyzer is IDisposable disposable)
                {
                    disposable.Dispose();
                }
                else if (analyzer is IAsyncDisposable asyncDisposable)
                {
                    asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
        }

        var text = string.Join('\n', keys.Order(StringComparer.Ordinal));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
