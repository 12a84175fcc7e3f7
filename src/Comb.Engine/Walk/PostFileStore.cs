using Comb.Contracts;

namespace Comb.Engine.Walk;

/// <summary>
/// The files of one layer that post-analyzers asked for, kept until the layer's last entry: small ones in memory
/// (up to a budget), the rest in temp files that are deleted with the store. Not thread-safe: the tar reader adds,
/// and the post-analyzers read only after the walk.
/// </summary>
internal sealed class PostFileStore(string tempDir) : IDisposable
{
    private const int InMemoryLimit = 4 * 1024 * 1024;
    private const long MemoryBudget = 128L * 1024 * 1024;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _tempFiles = [];
    private long _memory;

    public bool IsEmpty => _entries.Count == 0;

    /// <summary>Keeps a file from the stream (read to its end or to <see cref="FileMeta.Size"/>).</summary>
    public async Task AddAsync(FileMeta meta, IReadOnlyList<IPostAnalyzer> analyzers, Stream data, CancellationToken cancellationToken)
    {
        if (meta.Size <= InMemoryLimit && _memory + meta.Size <= MemoryBudget)
        {
            var read = await FileContent.ReadAsync(data, new byte[meta.Size], (int)meta.Size, cancellationToken).ConfigureAwait(false);
            _memory += read.Length;
            Put(meta with { Size = read.Length }, analyzers, read);
            return;
        }

        var spooled = await FileContent.SpoolAsync(data, tempDir, "post", cancellationToken).ConfigureAwait(false);
        _tempFiles.Add(spooled.Path!);
        Put(meta, analyzers, spooled);
    }

    /// <summary>A hard link to a file already kept: the same content under the link's path; false when the target was not kept.</summary>
    public bool AddLink(FileMeta meta, IReadOnlyList<IPostAnalyzer> analyzers, string target)
    {
        if (!_entries.TryGetValue(target, out var kept))
        {
            return false;
        }

        Put(meta with { Kind = FileKind.Regular, Size = kept.Meta.Size }, analyzers, kept.Content, kept.Pending);
        return true;
    }

    /// <summary>
    /// A hard link whose content (<paramref name="length"/> bytes) is given later by <see cref="Pending.Fill"/>, before
    /// the post-analyzers run. It takes its place now, so a later entry of the same path, or a link to this one, sees it
    /// as it would the content itself; its bytes count against the memory budget as a kept file's would.
    /// </summary>
    public Pending AddPending(FileMeta meta, IReadOnlyList<IPostAnalyzer> analyzers, int length)
    {
        if (length <= InMemoryLimit && _memory + length <= MemoryBudget)
        {
            _memory += length;
        }

        var pending = new Pending();
        Put(meta with { Size = length }, analyzers, default, pending);
        return pending;
    }

    /// <summary>Keeps a reference to a file on disk (directory walks): nothing is copied.</summary>
    public void AddOnDisk(FileMeta meta, IReadOnlyList<IPostAnalyzer> analyzers, string path) => Put(meta, analyzers, FileContent.OnDisk(path));

    /// <summary>The kept files one analyzer asked for.</summary>
    public PostAnalysisInput InputFor(IPostAnalyzer analyzer, string layerDiffId) =>
        new(layerDiffId, _entries.Values.Where(e => e.Analyzers.Contains(analyzer)).Select(e => new AnalysisInput(e.Meta, layerDiffId, (e.Pending?.Content ?? e.Content).Open)));

    public IEnumerable<IPostAnalyzer> Analyzers => _entries.Values.SelectMany(e => e.Analyzers).Distinct();

    public void Dispose()
    {
        foreach (var file in _tempFiles)
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
        }

        _tempFiles.Clear();
        _entries.Clear();
    }

    private void Put(FileMeta meta, IReadOnlyList<IPostAnalyzer> analyzers, FileContent content, Pending? pending = null) =>
        _entries[meta.Path] = new Entry(meta, [.. analyzers], content, pending);

    private sealed record Entry(FileMeta Meta, IPostAnalyzer[] Analyzers, FileContent Content, Pending? Pending);

    /// <summary>The content of a kept hard link, known only once the layer's target has been read (again).</summary>
    public sealed class Pending
    {
        public FileContent? Content { get; private set; }

        public void Fill(byte[] bytes) => Content = FileContent.InMemory(bytes, bytes.Length);
    }
}
