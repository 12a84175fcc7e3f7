using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>Small shared helpers for the OS and binary analyzers: bounded reads and diagnostics.</summary>
internal static class AnalyzerSupport
{
    /// <summary>Reads the whole file; package databases and release files are small enough to hold in memory.</summary>
    public static async Task<byte[]> ReadAllAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        await using var stream = input.OpenRead();
        using var buffer = new MemoryStream(input.Meta.Size > 0 && input.Meta.Size < int.MaxValue ? (int)input.Meta.Size : 0);
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public static async Task<string> ReadTextAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var bytes = await ReadAllAsync(input, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(bytes);
    }

    public static Diagnostic Warning(AnalysisInput input, string analyzerId, string message) => new()
    {
        Message = $"{input.Path}: {message}",
        Path = input.Path,
        LayerDiffId = input.LayerDiffId,
        Source = analyzerId,
    };

    /// <summary>A result holding one package set (possibly empty) and any diagnostics.</summary>
    public static AnalysisResult Packages(AnalysisInput input, string kind, IReadOnlyList<Package> packages, IReadOnlyList<Diagnostic>? diagnostics = null) => new()
    {
        PackageSets = [new PackageSet { FilePath = input.Path, Kind = kind, Packages = packages }],
        Diagnostics = diagnostics ?? [],
    };
}
