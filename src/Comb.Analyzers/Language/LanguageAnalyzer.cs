using System.Text;
using System.Text.Json;
using Comb.Contracts;

namespace Comb.Analyzers.Language;

/// <summary>
/// Shared shape of the lock-file / manifest analyzers: read one file, turn it into packages, and turn
/// malformed content into a diagnostic naming the file instead of an exception.
/// </summary>
internal abstract class LanguageAnalyzer : IFileAnalyzer
{
    /// <summary>Files larger than this are skipped with a diagnostic: no lock file is this big, and it bounds memory.</summary>
    protected virtual long MaxFileSize => 64L * 1024 * 1024;

    public abstract string Id { get; }

    public abstract int Version { get; }

    /// <summary>Target kind of the package set ("npm", "pip", "jar"...).</summary>
    protected abstract string Kind { get; }

    public abstract bool IsRequired(FileMeta meta);

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        if (input.Meta.Size > MaxFileSize)
        {
            return Problem(input, $"file is larger than {MaxFileSize} bytes; skipped");
        }

        try
        {
            var context = new ParseContext(input, Id);
            var packages = await ParseAsync(context, cancellationToken).ConfigureAwait(false);
            var list = packages
                .Where(p => !string.IsNullOrEmpty(p.Name))
                .ToList();
            var sets = list.Count == 0 ? [] : new[] { new PackageSet { FilePath = input.Path, Kind = Kind, Packages = list } };
            return new AnalysisResult { PackageSets = sets, Diagnostics = context.Diagnostics };
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (IsContentError(ex))
        {
            return Problem(input, $"cannot parse {Path.GetFileName(input.Path)}: {ex.Message}");
        }
    }

    protected abstract ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, CancellationToken cancellationToken);

    private AnalysisResult Problem(AnalysisInput input, string message) => new()
    {
        Diagnostics = [new Diagnostic { Message = message, Path = input.Path, LayerDiffId = input.LayerDiffId, Source = Id }],
    };

    /// <summary>Exceptions that mean "this file's content is broken" (a diagnostic), as opposed to a bug or cancellation.</summary>
    internal static bool IsContentError(Exception ex) => ex is JsonException or FormatException or InvalidDataException
        or YamlDotNet.Core.YamlException or Tomlyn.TomlException or System.Xml.XmlException or DecoderFallbackException
        or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException or ArgumentException
        or InvalidCastException or OverflowException or NotSupportedException or EndOfStreamException or IOException;
}

/// <summary>
/// Shared shape of the analyzers that read a lock file together with the manifest(s) beside it: each lock file the
/// layer holds becomes one package set; the other kept files are context. Broken content is a diagnostic naming
/// the lock file, as for <see cref="LanguageAnalyzer"/>.
/// </summary>
internal abstract class LockWithManifestAnalyzer : IPostAnalyzer
{
    protected virtual long MaxFileSize => 64L * 1024 * 1024;

    public abstract string Id { get; }

    public abstract int Version { get; }

    protected abstract string Kind { get; }

    /// <summary>Lock files: each is parsed and reported.</summary>
    protected abstract bool IsLock(string path);

    /// <summary>Manifests and other files the join reads; kept, never reported on their own.</summary>
    protected abstract bool IsCompanion(FileMeta meta);

    public bool IsRequired(FileMeta meta) => meta.Kind == FileKind.Regular && meta.Size <= MaxFileSize && (IsLock(meta.Path) || IsCompanion(meta));

    public async ValueTask<AnalysisResult> AnalyzeAsync(PostAnalysisInput input, CancellationToken cancellationToken)
    {
        var sets = new List<PackageSet>();
        var diagnostics = new List<Diagnostic>();
        foreach (var lockFile in input.Files.Where(f => IsLock(f.Path)))
        {
            var context = new ParseContext(lockFile, Id);
            try
            {
                var packages = (await ParseAsync(context, input, cancellationToken).ConfigureAwait(false)).Where(p => !string.IsNullOrEmpty(p.Name)).ToList();
                if (packages.Count > 0)
                {
                    sets.Add(new PackageSet { FilePath = lockFile.Path, Kind = Kind, Packages = packages });
                }
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception ex) when (LanguageAnalyzer.IsContentError(ex))
            {
                context.Warn($"cannot parse {Path.GetFileName(lockFile.Path)}: {ex.Message}");
            }

            diagnostics.AddRange(context.Diagnostics);
        }

        return new AnalysisResult { PackageSets = sets, Diagnostics = diagnostics };
    }

    protected abstract ValueTask<IEnumerable<Package>> ParseAsync(ParseContext context, PostAnalysisInput layer, CancellationToken cancellationToken);

    /// <summary>Reads a kept companion file as text.</summary>
    protected static async Task<string> ReadTextAsync(AnalysisInput file, CancellationToken cancellationToken) =>
        await new ParseContext(file, "").ReadTextAsync(cancellationToken).ConfigureAwait(false);
}

/// <summary>The file being parsed plus helpers to build packages that carry the file path and analyzer id.</summary>
internal sealed class ParseContext
{
    private readonly AnalysisInput _input;
    private readonly List<Diagnostic> _diagnostics = [];

    public ParseContext(AnalysisInput input, string analyzerId)
    {
        _input = input;
        AnalyzerId = analyzerId;
    }

    public string Path => _input.Path;

    public string AnalyzerId { get; }

    public AnalysisInput Input => _input;

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    public void Warn(string message) => _diagnostics.Add(new Diagnostic
    {
        Message = message,
        Path = _input.Path,
        LayerDiffId = _input.LayerDiffId,
        Source = AnalyzerId,
    });

    public Stream OpenRead() => _input.OpenRead();

    /// <summary>Reads the file as text, honouring a UTF-8/UTF-16 byte-order mark.</summary>
    public async Task<string> ReadTextAsync(CancellationToken cancellationToken)
    {
        await using var stream = _input.OpenRead();
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return TextDecoding.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public async Task<JsonDocument> ReadJsonAsync(CancellationToken cancellationToken)
    {
        var text = await ReadTextAsync(cancellationToken).ConfigureAwait(false);
        return JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
    }

    public Package Package(string type, string name, string version, string? purl,
        IReadOnlyList<string>? licenses = null, bool dev = false, string? relationship = null,
        IReadOnlyList<string>? dependsOn = null, IReadOnlyDictionary<string, string>? metadata = null, string? path = null) => new()
    {
        Name = name,
        Version = version,
        Type = type,
        Purl = purl,
        Licenses = licenses is { Count: > 0 } ? licenses : null,
        Path = path ?? _input.Path,
        FoundBy = AnalyzerId,
        LayerDiffId = _input.LayerDiffId,
        Dev = dev,
        Relationship = relationship,
        DependsOn = dependsOn is { Count: > 0 } ? dependsOn : null,
        Metadata = metadata is { Count: > 0 } ? metadata : null,
    };
}

internal static class TextDecoding
{
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return Encoding.UTF8.GetString(bytes[3..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        return Encoding.UTF8.GetString(bytes);
    }
}

/// <summary>Small path tests shared by IsRequired implementations.</summary>
internal static class PathMatch
{
    // The walk asks every analyzer about one path in a row, on one thread: the name is cut once per path instead of
    // once per analyzer (a string per entry and analyzer was most of what choosing the files allocated).
    [ThreadStatic]
    private static string? t_lastPath;

    [ThreadStatic]
    private static string? t_lastName;

    public static string FileName(string path)
    {
        if (ReferenceEquals(path, t_lastPath))
        {
            return t_lastName!;
        }

        var slash = path.LastIndexOf('/');
        var name = slash < 0 ? path : path[(slash + 1)..];
        t_lastName = name;
        t_lastPath = path;
        return name;
    }

    public static string Directory(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    public static bool HasSegment(string path, string segment) =>
        path.StartsWith(segment + "/", StringComparison.Ordinal) || path.Contains("/" + segment + "/", StringComparison.Ordinal);
}

/// <summary>JSON reading helpers that tolerate the loose shapes real lock files use.</summary>
internal static class Json
{
    public static string? Str(this JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool Bool(this JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.True;

    public static JsonElement? Obj(this JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    public static JsonElement? Arr(this JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Array ? v : null;

    public static IEnumerable<JsonProperty> Props(this JsonElement? e) =>
        e is { ValueKind: JsonValueKind.Object } o ? o.EnumerateObject() : [];

    public static IEnumerable<JsonElement> Items(this JsonElement? e) =>
        e is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray() : [];

    /// <summary>License declarations: a string, an SPDX object {type}, or an array of either.</summary>
    public static List<string> Licenses(JsonElement? e)
    {
        var result = new List<string>();
        if (e is not { } v)
        {
            return result;
        }

        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                var s = v.GetString();
                if (!string.IsNullOrWhiteSpace(s))
                {
                    result.Add(s.Trim());
                }

                break;
            case JsonValueKind.Object:
                var t = v.Str("type") ?? v.Str("name");
                if (!string.IsNullOrWhiteSpace(t))
                {
                    result.Add(t.Trim());
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in v.EnumerateArray())
                {
                    result.AddRange(Licenses(item));
                }

                break;
        }

        return result;
    }

    public static JsonElement? Prop(this JsonElement e, string property) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(property, out var v) ? v : null;
}
