namespace Comb.Contracts;

public enum FileKind
{
    Regular,
    Directory,
    Symlink,
    HardLink,
    Other,
}

/// <summary>What the tar header says about one entry; cheap to build, used to decide whether to open it.</summary>
public sealed record FileMeta
{
    /// <summary>Normalised path inside the image: no leading slash, no "..", forward slashes.</summary>
    public required string Path { get; init; }
    public required FileKind Kind { get; init; }
    public long Size { get; init; }

    /// <summary>Unix permission bits including setuid (04000), setgid (02000) and sticky (01000).</summary>
    public int Mode { get; init; }
    public int Uid { get; init; }
    public int Gid { get; init; }

    /// <summary>Target of a symlink or hard link (hard links: normalised image path).</summary>
    public string? LinkTarget { get; init; }
    public DateTimeOffset ModifiedTime { get; init; }
}

/// <summary>One file offered to an analyzer: its metadata and a way to read it (any number of times).</summary>
public sealed class AnalysisInput
{
    private readonly Func<Stream> _open;

    public AnalysisInput(FileMeta meta, string layerDiffId, Func<Stream> open)
    {
        Meta = meta;
        LayerDiffId = layerDiffId;
        _open = open;
    }

    public FileMeta Meta { get; }

    public string LayerDiffId { get; }

    public string Path => Meta.Path;

    /// <summary>Opens the content from its start; each call gives a fresh, readable stream the caller disposes.</summary>
    public Stream OpenRead() => _open();
}

/// <summary>What an analyzer learnt from one file (or from the image config).</summary>
public sealed record AnalysisResult
{
    public static readonly AnalysisResult Empty = new();

    public OsInfo? Os { get; init; }
    public IReadOnlyList<PackageSet> PackageSets { get; init; } = [];
    public IReadOnlyList<SecretFinding> Secrets { get; init; } = [];
    public IReadOnlyList<MalwareFinding> Malware { get; init; } = [];
    public IReadOnlyList<FileNote> Notes { get; init; } = [];
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>Facts about packages another file declares (a dpkg copyright file, a file list); joined after stacking.</summary>
    public IReadOnlyList<PackageDetail> Details { get; init; } = [];

    public bool IsEmpty => Os is null && PackageSets.Count == 0 && Secrets.Count == 0 && Malware.Count == 0
        && Notes.Count == 0 && Diagnostics.Count == 0 && Details.Count == 0;
}

/// <summary>
/// Reads files of one kind inside a layer. The layer walk asks <see cref="IsRequired"/> for every entry
/// (cheap: path and header only) and opens only the files some analyzer wants.
/// </summary>
public interface IFileAnalyzer
{
    /// <summary>Stable kebab-case id, shown in output as "found by".</summary>
    string Id { get; }

    /// <summary>Bumped whenever the analyzer's output for the same input changes; part of the layer cache key.</summary>
    int Version { get; }

    /// <summary>Part of the layer cache key: id, version and a fingerprint of any options that change the output.</summary>
    string CacheKey => $"{Id}@{Version}";

    bool IsRequired(FileMeta meta);

    /// <summary>Analyzes one file. Malformed content is reported as a diagnostic in the result, not thrown.</summary>
    ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken);
}

/// <summary>
/// Analyzes related files of one layer together: a pom.xml with its parents, modules and the local Maven repository,
/// a lock file with the manifest beside it. The walk keeps every file <see cref="IsRequired"/> accepts and calls
/// <see cref="AnalyzeAsync"/> once, after the layer's last entry (Trivy's post-analyzers).
/// </summary>
public interface IPostAnalyzer
{
    /// <summary>Stable kebab-case id, shown in output as "found by".</summary>
    string Id { get; }

    /// <summary>Bumped whenever the analyzer's output for the same input changes; part of the layer cache key.</summary>
    int Version { get; }

    string CacheKey => $"{Id}@{Version}";

    /// <summary>Whether the file should be kept for <see cref="AnalyzeAsync"/>; cheap, header only.</summary>
    bool IsRequired(FileMeta meta);

    ValueTask<AnalysisResult> AnalyzeAsync(PostAnalysisInput input, CancellationToken cancellationToken);
}

/// <summary>The files of one layer a post-analyzer asked for, by path.</summary>
public sealed class PostAnalysisInput
{
    private readonly Dictionary<string, AnalysisInput> _byPath;

    public PostAnalysisInput(string layerDiffId, IEnumerable<AnalysisInput> files)
    {
        LayerDiffId = layerDiffId;
        _byPath = new Dictionary<string, AnalysisInput>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            _byPath[file.Path] = file;
        }

        Files = [.. _byPath.Values.OrderBy(f => f.Path, StringComparer.Ordinal)];
    }

    public string LayerDiffId { get; }

    /// <summary>Every kept file, sorted by path.</summary>
    public IReadOnlyList<AnalysisInput> Files { get; }

    /// <summary>The kept file at this normalised image path, if any.</summary>
    public AnalysisInput? Find(string path) => _byPath.GetValueOrDefault(path);
}

/// <summary>Analyzes the image config (env, labels, history) rather than files.</summary>
public interface IConfigAnalyzer
{
    string Id { get; }
    int Version { get; }

    /// <summary>
    /// Part of the cache key of the image config's analysis (kept beside the layer entries, by config digest): id,
    /// version and a fingerprint of any options that change the output.
    /// </summary>
    string CacheKey => $"{Id}@{Version}";

    ValueTask<AnalysisResult> AnalyzeAsync(ImageMetadata image, CancellationToken cancellationToken);
}

/// <summary>What one layer contributed, the unit cached by (diffID, analyzer-set version).</summary>
public sealed record LayerFacts
{
    public required string DiffId { get; init; }
    public required string Digest { get; init; }
    public long UncompressedSize { get; init; }

    /// <summary>OS release files this layer wrote, each with what it says; merged by priority after stacking.</summary>
    public IReadOnlyList<OsCandidate> OsCandidates { get; init; } = [];
    public IReadOnlyList<PackageSet> PackageSets { get; init; } = [];
    public IReadOnlyList<SecretFinding> Secrets { get; init; } = [];
    public IReadOnlyList<MalwareFinding> Malware { get; init; } = [];
    public IReadOnlyList<FileNote> Notes { get; init; } = [];
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    /// <summary>Package details this layer's files carry, each keyed by the file that holds it.</summary>
    public IReadOnlyList<PackageDetail> Details { get; init; } = [];

    /// <summary>Paths removed by whiteouts in this layer.</summary>
    public IReadOnlyList<string> Whiteouts { get; init; } = [];

    /// <summary>Directories made opaque by this layer (everything below from earlier layers is hidden).</summary>
    public IReadOnlyList<string> OpaqueDirs { get; init; } = [];

    /// <summary>Every path this layer writes (files, links, directories), sorted; hides earlier facts at those paths.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];
}

public sealed record OsCandidate(string Path, OsInfo Os);

/// <summary>The image after its layers are stacked: what a running container would see.</summary>
public sealed record ImageInventory
{
    public required ImageMetadata Image { get; init; }
    public OsInfo? Os { get; init; }
    public required IReadOnlyList<PackageSet> PackageSets { get; init; }

    /// <summary>Secrets and malware from every layer, including files later deleted (flagged as such).</summary>
    public IReadOnlyList<SecretFinding> Secrets { get; init; } = [];
    public IReadOnlyList<MalwareFinding> Malware { get; init; } = [];

    /// <summary>File notes that are still visible in the final filesystem.</summary>
    public IReadOnlyList<FileNote> Notes { get; init; } = [];

    /// <summary>File notes keyed by the layer that wrote them (for "added by the image's own layers" checks).</summary>
    public IReadOnlyList<LayerNote> LayerNotes { get; init; } = [];
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    public IEnumerable<Package> Packages => PackageSets.SelectMany(s => s.Packages);

    /// <summary>
    /// What a stored scan recorded of the image, to match and judge it again without its layers: file notes and
    /// diagnostics are not kept in a report, so findings that need files (configuration checks) come from the report.
    /// </summary>
    public static ImageInventory Of(ScanReport stored) => new()
    {
        Image = stored.Image,
        Os = stored.Os,
        PackageSets = stored.PackageSets,
        Secrets = stored.Secrets,
        Malware = stored.Malware,
        Diagnostics = [],
    };
}

public sealed record LayerNote(string LayerDiffId, int LayerIndex, FileNote Note);

/// <summary>Chooses the image's OS from the release files still visible after stacking.</summary>
public interface IOsReleaseMerger
{
    OsInfo? Merge(IReadOnlyList<OsCandidate> candidates);
}
