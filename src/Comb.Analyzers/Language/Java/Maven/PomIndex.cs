using Comb.Contracts;

namespace Comb.Analyzers.Language.Java.Maven;

/// <summary>
/// The poms of one layer: project pom.xml files by path, and local Maven repositories (".m2/repository") by
/// coordinates, which the path spells (group/as/dirs/artifact/version/artifact-version.pom). Texts are read once,
/// up front; each pom is parsed on first use.
/// </summary>
internal sealed class PomIndex
{
    private const string RepositoryMarker = ".m2/repository/";

    private readonly Dictionary<string, string> _texts;
    private readonly Dictionary<string, PomDocument?> _parsed = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string, string), string> _repository = [];
    private readonly List<Diagnostic> _diagnostics = [];
    private readonly string _analyzerId;
    private readonly string _layerDiffId;
    private Dictionary<(string, string, string), string>? _projectsByCoordinates;

    private PomIndex(Dictionary<string, string> texts, string analyzerId, string layerDiffId)
    {
        _texts = texts;
        _analyzerId = analyzerId;
        _layerDiffId = layerDiffId;
        foreach (var path in texts.Keys.Order(StringComparer.Ordinal))
        {
            if (RepositoryCoordinates(path) is { } gav && (!_repository.TryGetValue(gav, out var existing) || IsCanonicalName(path, gav) && !IsCanonicalName(existing, gav)))
            {
                _repository[gav] = path;
            }
        }
    }

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    public IEnumerable<string> Paths => _texts.Keys;

    public static async Task<PomIndex> LoadAsync(PostAnalysisInput input, string analyzerId, CancellationToken cancellationToken)
    {
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in input.Files)
        {
            await using var stream = file.OpenRead();
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            texts[file.Path] = TextDecoding.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }

        return new PomIndex(texts, analyzerId, input.LayerDiffId);
    }

    /// <summary>Whether the path lies in a local Maven repository (artifacts the build downloaded, not projects).</summary>
    public static bool InRepository(string path) =>
        path.StartsWith(RepositoryMarker, StringComparison.Ordinal) || path.Contains("/" + RepositoryMarker, StringComparison.Ordinal);

    public PomDocument? Get(string path)
    {
        if (_parsed.TryGetValue(path, out var cached))
        {
            return cached;
        }

        PomDocument? pom = null;
        if (_texts.TryGetValue(path, out var text))
        {
            try
            {
                pom = PomDocument.Parse(path, text);
            }
            catch (Exception ex) when (ex is System.Xml.XmlException or FormatException or InvalidOperationException)
            {
                _diagnostics.Add(new Diagnostic { Message = $"cannot parse {System.IO.Path.GetFileName(path)}: {ex.Message}", Path = path, LayerDiffId = _layerDiffId, Source = _analyzerId });
            }
        }

        _parsed[path] = pom;
        return pom;
    }

    /// <summary>A pom for these coordinates: the local repository first, then a project pom.xml that declares them.</summary>
    public string? Find(string groupId, string artifactId, string version)
    {
        if (groupId.Length == 0 || artifactId.Length == 0 || version.Length == 0)
        {
            return null;
        }

        if (_repository.TryGetValue((groupId, artifactId, version), out var path))
        {
            return path;
        }

        _projectsByCoordinates ??= IndexProjects();
        return _projectsByCoordinates.GetValueOrDefault((groupId, artifactId, version));
    }

    /// <summary>The pom a relative path (a directory, or a file) names from the directory of <paramref name="fromPath"/>.</summary>
    public string? Relative(string fromPath, string relative)
    {
        var dir = PathMatch.Directory(fromPath);
        var joined = PathSegments.Normalize(dir.Length == 0 ? relative : dir + "/" + relative);
        if (joined is null)
        {
            return null;
        }

        if (_texts.ContainsKey(joined))
        {
            return joined;
        }

        var asDir = joined.Length == 0 ? "pom.xml" : joined.TrimEnd('/') + "/pom.xml";
        return _texts.ContainsKey(asDir) ? asDir : null;
    }

    /// <summary>Coordinates the pom.xml files outside repositories declare as written (groupId and version may come from the parent element).</summary>
    private Dictionary<(string, string, string), string> IndexProjects()
    {
        var index = new Dictionary<(string, string, string), string>();
        foreach (var path in _texts.Keys.Where(p => !InRepository(p)).Order(StringComparer.Ordinal))
        {
            if (Get(path) is not { } pom)
            {
                continue;
            }

            var g = pom.GroupId ?? pom.Parent?.GroupId;
            var v = pom.Version ?? pom.Parent?.Version;
            if (g is { Length: > 0 } && pom.ArtifactId is { Length: > 0 } a && v is { Length: > 0 } && !g.Contains("${", StringComparison.Ordinal) && !v.Contains("${", StringComparison.Ordinal))
            {
                index.TryAdd((g, a, v), path);
            }
        }

        return index;
    }

    private static (string, string, string)? RepositoryCoordinates(string path)
    {
        var at = path.StartsWith(RepositoryMarker, StringComparison.Ordinal) ? 0 : path.IndexOf("/" + RepositoryMarker, StringComparison.Ordinal) + 1;
        if (at < 0 || (at == 0 && !path.StartsWith(RepositoryMarker, StringComparison.Ordinal)) || !path.EndsWith(".pom", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = path[(at + RepositoryMarker.Length)..].Split('/');
        if (parts.Length < 4)
        {
            return null;
        }

        var artifact = parts[^3];
        var version = parts[^2];
        if (!parts[^1].StartsWith(artifact + "-", StringComparison.Ordinal))
        {
            return null;
        }

        return (string.Join('.', parts[..^3]), artifact, version);
    }

    private static bool IsCanonicalName(string path, (string, string, string) gav) =>
        path.EndsWith($"/{gav.Item2}-{gav.Item3}.pom", StringComparison.Ordinal);
}
