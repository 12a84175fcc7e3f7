using Comb.Contracts;

namespace Comb.Image.Local;

/// <summary>Files of an image laid out on disk or inside a tar: an OCI layout or a docker save archive.</summary>
internal interface IBlobStore
{
    string Description { get; }

    bool Exists(string path);

    /// <summary>Opens a file by its path inside the store, or throws a clear "missing" error.</summary>
    Stream Open(string path);
}

internal sealed class DirectoryBlobStore(string root) : IBlobStore
{
    private readonly string _root = Path.GetFullPath(root);

    public string Description => _root;

    public bool Exists(string path) => File.Exists(Resolve(path));

    public Stream Open(string path)
    {
        var full = Resolve(path);
        if (!File.Exists(full))
        {
            throw new CombInputException($"{_root}: missing file '{path}'");
        }

        return new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }

    private string Resolve(string path)
    {
        var full = Path.GetFullPath(Path.Combine(_root, path.TrimStart('/')));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new CombInputException($"{_root}: path '{path}' escapes the image directory");
        }

        return full;
    }
}

/// <summary>
/// A tar archive indexed once (name -> data offset and length) so each member can be read in place,
/// without extracting anything.
/// </summary>
internal sealed class TarBlobStore : IBlobStore
{
    private readonly string _file;
    private readonly Dictionary<string, (long Offset, long Length)> _entries = new(StringComparer.Ordinal);

    private TarBlobStore(string file) => _file = file;

    public string Description => _file;

    public static TarBlobStore Index(string file)
    {
        var store = new TarBlobStore(file);
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in TarIndex.Read(stream, file))
        {
            var name = Normalize(member.Name);
            if (member.Type is '0' or '7')
            {
                store._entries[name] = (member.Offset, member.Length);
            }
            else if (member.Type is '1' or '2')
            {
                links[name] = member.Type == '1'
                    ? Normalize(member.LinkName)
                    : Normalize((Path.GetDirectoryName(name) ?? "") + "/" + member.LinkName);
            }
        }

        // docker save links duplicate layers to the first copy.
        foreach (var (name, target) in links)
        {
            if (store._entries.TryGetValue(target, out var location))
            {
                store._entries[name] = location;
            }
        }

        return store;
    }

    public bool Exists(string path) => _entries.ContainsKey(Normalize(path));

    public Stream Open(string path)
    {
        if (!_entries.TryGetValue(Normalize(path), out var location))
        {
            throw new CombInputException($"{_file}: missing member '{path}'");
        }

        var stream = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        if (location.Offset + location.Length > stream.Length)
        {
            stream.Dispose();
            throw new CombInputException($"{_file}: member '{path}' is truncated");
        }

        stream.Position = location.Offset;
        return new SubStream(stream, location.Length);
    }

    private static string Normalize(string name) => PathSegments.NormalizeWithin(name.Replace('\\', '/'));
}

/// <summary>A window of a larger stream; owns the larger stream.</summary>
internal sealed class SubStream(Stream inner, long length) : ReadOnlyWrapperStream(inner)
{
    private readonly long _length = length;
    private long _remaining = length;

    public override long Length => _length;
    public override long Position { get => _length - _remaining; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0)
        {
            return 0;
        }

        var n = Inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        _remaining -= n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_remaining <= 0)
        {
            return 0;
        }

        var n = await Inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        _remaining -= n;
        return n;
    }
}
