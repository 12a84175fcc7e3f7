using Comb.Contracts;

namespace Comb.Engine.Walk;

/// <summary>
/// The files of one layer a later hard link may be read through, and what each link asked for. A tar's hard link
/// names an earlier entry and carries no content: a link is read with its target's content when the target was a
/// file some analyzer read into memory, of at most <see cref="FileLimit"/> bytes, while the layer's such files stay
/// within <see cref="LayerBudget"/> (a later file of the same path replaces an earlier one only when it qualifies
/// too); any other link is handed over empty. When the layer can be read again, only each target's place in the tar
/// is kept and the links' contents are read in a second pass, after the layer's last entry, only if some analyzer
/// wanted a link; else the bytes are kept. Not thread-safe: the tar reader alone uses it.
/// </summary>
internal sealed class HardLinkTargets(bool keepBytes)
{
    public const int FileLimit = 256 * 1024;
    public const long LayerBudget = 32L * 1024 * 1024;

    private readonly Dictionary<string, Target> _targets = new(StringComparer.Ordinal);
    private readonly List<Link> _links = [];
    private long _bytes;

    /// <summary>Links waiting for their target's content, in tar order.</summary>
    public IReadOnlyList<Link> Links => _links;

    /// <summary>Whether a link's content must come from reading the layer again (nothing was kept).</summary>
    public bool NeedsReread => !keepBytes && _links.Count > 0;

    /// <summary>A file an analyzer read: kept as a target when it qualifies (<paramref name="content"/> is in memory and small enough).</summary>
    public void Offer(string path, long ordinal, FileContent content)
    {
        if (content is not { Memory: { } bytes, Length: var length } || length > FileLimit || _bytes + length > LayerBudget)
        {
            return;
        }

        _targets[path] = new Target(path, ordinal, length, keepBytes ? bytes.AsSpan(0, length).ToArray() : null);
        _bytes += length;
    }

    public bool TryGet(string path, out Target target) => _targets.TryGetValue(path, out target!);

    /// <summary>A link some analyzer wants, to be given its target's content after the layer's last entry.</summary>
    public void Add(Link link) => _links.Add(link);

    /// <summary>The tar entries to read again: entry number, path and length of each target a waiting link names.</summary>
    public SortedDictionary<long, Target> TargetsToRead()
    {
        var targets = new SortedDictionary<long, Target>();
        foreach (var link in _links)
        {
            targets.TryAdd(link.Target.Ordinal, link.Target);
        }

        return targets;
    }

    /// <summary>A wanted link: read as <paramref name="Meta"/> by <paramref name="Analyzers"/>, and kept for post-analyzers in <paramref name="Kept"/> (when any asked).</summary>
    public sealed record Link(FileMeta Meta, List<IFileAnalyzer> Analyzers, PostFileStore.Pending? Kept, Target Target);

    /// <summary>A kept file: its path, its entry's number in the tar (from 0), how many bytes were read, and those bytes when kept.</summary>
    public sealed record Target(string Path, long Ordinal, int Length, byte[]? Bytes);
}
