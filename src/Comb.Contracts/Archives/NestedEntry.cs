namespace Comb.Contracts.Archives;

/// <summary>
/// One file found inside an archive: the chain of names that leads to it from the outermost file ("app.war",
/// "WEB-INF/lib/x.jar", "META-INF/MANIFEST.MF"), its declared size and, within the walk's budget, its content.
/// The content can be read only while the walk is at this entry (or after, once it has been read).
/// </summary>
public sealed class NestedEntry
{
    private readonly NestedArchiveWalker _walker;
    private readonly ArchiveMember _member;
    private Task<byte[]?>? _read;
    private bool _passed;

    internal NestedEntry(NestedArchiveWalker walker, IReadOnlyList<string> chain, ArchiveMember member, string separator)
    {
        _walker = walker;
        _member = member;
        Chain = chain;
        Path = string.Join(separator, chain);
        ArchivePath = string.Join(separator, chain.Take(chain.Count - 1));
    }

    /// <summary>The outermost file's path, then the entry name inside each archive on the way (normalised, never climbing out).</summary>
    public IReadOnlyList<string> Chain { get; }

    /// <summary>The chain joined by the walk's separator.</summary>
    public string Path { get; }

    /// <summary>The <see cref="Path"/> of the archive this entry is in.</summary>
    public string ArchivePath { get; }

    /// <summary>The entry's name inside its archive.</summary>
    public string Name => Chain[^1];

    /// <summary>The size the archive declares (it can lie; reads are bounded by what comes out); negative when unknown.</summary>
    public long Size => _member.Size;

    /// <summary>How many archives this entry is inside: 1 for an entry of the outermost one.</summary>
    public int Depth => Chain.Count - 1;

    /// <summary>The entry is an archive the walk opened: its entries follow it.</summary>
    public bool IsArchive { get; internal set; }

    /// <summary>
    /// The entry's content, read once within the budget; null when it is over the limits or damaged (the walk notes why).
    /// </summary>
    public async ValueTask<byte[]?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_read is null)
        {
            if (_passed)
            {
                throw new InvalidOperationException($"{Path}: an archive entry is read while the walk is at it");
            }

            _read = _walker.ReadAsync(this, _member, cancellationToken);
        }

        return await _read.ConfigureAwait(false);
    }

    internal void Pass() => _passed = true;
}
