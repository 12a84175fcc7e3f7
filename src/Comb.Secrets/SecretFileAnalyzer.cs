using System.Buffers;
using Comb.Contracts;
using Comb.Secrets.Engine;

namespace Comb.Secrets;

/// <summary>Finds secrets and sensitive files in layer files: one read, file rules and content rules together.</summary>
public sealed class SecretFileAnalyzer : IFileAnalyzer
{
    public const string AnalyzerId = "secret";
    private readonly Lazy<SecretScanner> _lazyScanner;

    public SecretFileAnalyzer(SecretScanner scanner, string configFingerprint)
        : this(new Lazy<SecretScanner>(scanner), configFingerprint)
    {
    }

    /// <param name="scanner">Built on first use: a scan whose layers are all cached never asks for it.</param>
    public SecretFileAnalyzer(Lazy<SecretScanner> scanner, string configFingerprint)
    {
        _lazyScanner = scanner;
        CacheKey = $"{AnalyzerId}@{Version}+{configFingerprint}";
    }

    private SecretScanner Scanner => _lazyScanner.Value;

    public string Id => AnalyzerId;

    // Bumped when detection logic outside the rule set changes, so cached layer results are recomputed.
    public int Version => 2;

    public string CacheKey { get; }

    public bool IsRequired(FileMeta meta) => Scanner.IsRequired(meta);

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var needed = Scanner.BytesNeeded(input.Meta);
        await using (var held = input.OpenRead())
        {
            if (held is MemoryStream memory && memory.TryGetBuffer(out var bytes))
            {
                // Already in memory (the layer walk's buffer): scanned in place, no copy.
                return Result(Scanner.Scan(input.Meta, bytes.AsSpan(0, Math.Min(needed, bytes.Count)), input.LayerDiffId));
            }
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 1));
        try
        {
            int read;
            await using (var stream = input.OpenRead())
            {
                read = await ReadUpToAsync(stream, buffer.AsMemory(0, needed), cancellationToken).ConfigureAwait(false);
            }

            return Result(Scanner.Scan(input.Meta, buffer.AsSpan(0, read), input.LayerDiffId));
        }
        catch (IOException ex)
        {
            return new AnalysisResult
            {
                Diagnostics = [new Diagnostic { Message = $"could not read file for secret scanning: {ex.Message}", Path = input.Path, LayerDiffId = input.LayerDiffId, Source = AnalyzerId }],
            };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static AnalysisResult Result(IReadOnlyList<SecretFinding> findings) =>
        findings.Count == 0 ? AnalysisResult.Empty : new AnalysisResult { Secrets = findings };

    private static async Task<int> ReadUpToAsync(Stream stream, Memory<byte> target, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < target.Length)
        {
            var n = await stream.ReadAsync(target[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
