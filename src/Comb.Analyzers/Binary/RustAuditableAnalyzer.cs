using System.IO.Compression;
using System.Text.Json;
using Comb.Analyzers.Os;
using Comb.Contracts;

namespace Comb.Analyzers.Binary;

/// <summary>
/// Crates compiled into a Rust binary built with cargo-auditable: the ".dep-v0" section (Mach-O "__dep_v0")
/// holds zlib-compressed JSON listing every package, its kind and its dependencies by index.
/// Build-time-only crates are left out: they are not in the shipped program.
/// </summary>
public sealed class RustAuditableAnalyzer : IFileAnalyzer
{
    private const int MaxCompressed = 16 * 1024 * 1024;
    private const int MaxJson = 64 * 1024 * 1024;

    public string Id => "rust-binary";
    public int Version => 1;

    public bool IsRequired(FileMeta meta) => ExecutableCandidates.IsCandidate(meta);

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        byte[] compressed;
        try
        {
            await using var source = await RandomAccessSource.OpenAsync(input, cancellationToken).ConfigureAwait(false);
            if (!ExecutableImage.HasExecutableMagic(source.ReadUpTo(0, 4)))
            {
                return AnalysisResult.Empty;
            }

            var section = ExecutableImage.TryRead(source) is { } image ? image.Find(".dep-v0") ?? image.Find("__dep_v0") : null;
            if (section is null)
            {
                return AnalysisResult.Empty;
            }

            if (section.Size > MaxCompressed)
            {
                return Fail(input, $"dependency section of {section.Size} bytes is too large");
            }

            compressed = source.ReadAt(section.FileOffset, (int)section.Size);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            return Fail(input, ex.Message);
        }

        try
        {
            var json = Inflate(compressed);
            return AnalyzerSupport.Packages(input, "rustbinary", Parse(json, input));
        }
        catch (Exception ex) when (ex is InvalidDataException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Fail(input, "corrupt cargo-auditable data: " + ex.Message);
        }
    }

    private AnalysisResult Fail(AnalysisInput input, string message) =>
        new() { Diagnostics = [AnalyzerSupport.Warning(input, Id, message)] };

    private static byte[] Inflate(byte[] compressed)
    {
        using var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = zlib.Read(buffer)) > 0)
        {
            output.Write(buffer, 0, read);
            if (output.Length > MaxJson)
            {
                throw new InvalidDataException("decompressed dependency data exceeds the size limit");
            }
        }

        return output.ToArray();
    }

    private List<Package> Parse(byte[] json, AnalysisInput input)
    {
        using var doc = JsonDocument.Parse(json);
        var entries = doc.RootElement.GetProperty("packages").EnumerateArray().ToList();
        var ids = entries.Select(e => e.GetProperty("name").GetString() + "@" + e.GetProperty("version").GetString()).ToList();
        var packages = new List<Package>();
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.TryGetProperty("kind", out var kind) && kind.GetString() == "build")
            {
                continue;
            }

            var name = e.GetProperty("name").GetString() ?? throw new InvalidDataException("package without a name");
            var version = e.GetProperty("version").GetString() ?? "";
            var root = e.TryGetProperty("root", out var r) && r.ValueKind == JsonValueKind.True;
            List<string>? dependsOn = null;
            if (e.TryGetProperty("dependencies", out var deps) && deps.ValueKind == JsonValueKind.Array)
            {
                dependsOn = [];
                foreach (var d in deps.EnumerateArray())
                {
                    var index = d.GetInt32();
                    if (index < 0 || index >= entries.Count)
                    {
                        throw new InvalidDataException($"dependency index {index} out of range");
                    }

                    if (!(entries[index].TryGetProperty("kind", out var dk) && dk.GetString() == "build"))
                    {
                        dependsOn.Add(ids[index]);
                    }
                }
            }

            var source = e.TryGetProperty("source", out var s) ? s.GetString() : null;
            packages.Add(new Package
            {
                Name = name,
                Version = version,
                Type = PackageTypes.Cargo,
                Purl = PackageUrl.Create("cargo", null, name, version),
                Relationship = root ? "root" : null,
                DependsOn = dependsOn is { Count: > 0 } ? dependsOn : null,
                LayerDiffId = input.LayerDiffId,
                Path = input.Path,
                FoundBy = Id,
                Metadata = source is null ? null : new Dictionary<string, string>(StringComparer.Ordinal) { ["source"] = source },
            });
        }

        return packages;
    }
}
