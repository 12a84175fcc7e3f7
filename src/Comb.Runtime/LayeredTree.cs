namespace Comb.Runtime;

/// <summary>
/// A file tree made of unpacked layer directories, uppermost first (a vfs tree is one full directory; an overlay
/// view is the container's upper directory over the image's layer diffs). Paths are looked up without leaving the
/// directories: a symlink is never followed. Deletions are honoured as overlayfs and the layer format mark them: a
/// whiteout (character device 0/0, or a `.wh.NAME` file) hides the path in every lower layer, and an opaque directory
/// (the `trusted.overlay.opaque` or `user.overlay.opaque` attribute "y", or a `.wh..wh..opq` file in it) hides
/// everything the lower layers had inside it: a directory deleted and made again holds only what was put in it since.
/// </summary>
public sealed class LayeredTree(IReadOnlyList<string> layers)
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    private readonly Dictionary<(int Layer, string Path), LayerHit> _cache = [];
    private readonly Dictionary<(int Layer, string Path), DirectoryMarks> _marks = [];
    private readonly Dictionary<string, int> _floors = new(StringComparer.Ordinal);

    private enum HitKind
    {
        Missing,
        Found,
        Hidden,
    }

    private readonly record struct LayerHit(HitKind Kind, FileStat? Stat);

    /// <summary>One layer's directory: its entries (markers left out), the names its whiteout files delete, whether it is opaque.</summary>
    private sealed record DirectoryMarks(IReadOnlyList<string> Names, IReadOnlySet<string> WhitedOut, bool Opaque);

    /// <summary>The path's entry in the uppermost layer that has it; null when absent or deleted.</summary>
    public FileStat? Stat(string relative)
    {
        var floor = relative.Length == 0 ? layers.Count - 1 : Floor(Parent(relative));
        for (var i = 0; i <= floor; i++)
        {
            var hit = InLayer(i, relative);
            if (hit.Kind == HitKind.Hidden)
            {
                return null;
            }

            if (hit.Kind == HitKind.Found)
            {
                return hit.Stat!.IsWhiteout ? null : hit.Stat;
            }
        }

        return null;
    }

    /// <summary>Names in a directory across the layers that show it (whiteouts included; <see cref="Stat"/> filters them).</summary>
    public IEnumerable<string> List(string relative)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var floor = Floor(relative);
        for (var i = 0; i <= floor; i++)
        {
            var hit = InLayer(i, relative);
            if (hit.Kind == HitKind.Hidden || (hit.Kind == HitKind.Found && hit.Stat!.Kind != StatKind.Directory))
            {
                break;
            }

            if (hit.Kind == HitKind.Found)
            {
                names.UnionWith(Marks(i, relative, hit.Stat!.HostPath).Names);
            }
        }

        return names;
    }

    /// <summary>
    /// The lowest layer whose entries inside the directory can be seen: the first layer, from the top, where the
    /// directory is opaque, deleted or not a directory, else what holds for its parent.
    /// </summary>
    private int Floor(string dir)
    {
        if (_floors.TryGetValue(dir, out var known))
        {
            return known;
        }

        var limit = dir.Length == 0 ? layers.Count - 1 : Floor(Parent(dir));
        var floor = limit;
        for (var i = 0; i <= limit; i++)
        {
            var hit = InLayer(i, dir);
            if (hit.Kind == HitKind.Hidden
                || (hit.Kind == HitKind.Found && (hit.Stat!.Kind != StatKind.Directory || Marks(i, dir, hit.Stat.HostPath).Opaque)))
            {
                floor = i;
                break;
            }
        }

        _floors[dir] = floor;
        return floor;
    }

    private DirectoryMarks Marks(int layer, string relative, string hostPath)
    {
        if (_marks.TryGetValue((layer, relative), out var known))
        {
            return known;
        }

        var names = new List<string>();
        var whitedOut = new HashSet<string>(StringComparer.Ordinal);
        var opaque = OverlayAttributes.IsOpaque(hostPath);
        foreach (var entry in Directory.EnumerateFileSystemEntries(hostPath))
        {
            var name = Path.GetFileName(entry);
            if (name == OpaqueMarker)
            {
                opaque = true;
            }
            else if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                whitedOut.Add(name[WhiteoutPrefix.Length..]);
            }
            else
            {
                names.Add(name);
            }
        }

        var marks = new DirectoryMarks(names, whitedOut, opaque);
        _marks[(layer, relative)] = marks;
        return marks;
    }

    private LayerHit InLayer(int layer, string relative)
    {
        if (_cache.TryGetValue((layer, relative), out var cached))
        {
            return cached;
        }

        LayerHit hit;
        if (relative.Length == 0)
        {
            var stat = FileStat.Lstat(layers[layer]);
            hit = stat is { Kind: StatKind.Directory } ? new(HitKind.Found, stat) : new(HitKind.Missing, null);
        }
        else
        {
            var slash = relative.LastIndexOf('/');
            var parentPath = slash < 0 ? "" : relative[..slash];
            var name = relative[(slash + 1)..];
            var parent = InLayer(layer, parentPath);
            if (parent.Kind == HitKind.Found && parent.Stat!.IsWhiteout)
            {
                hit = new(HitKind.Hidden, null);
            }
            else if (parent.Kind != HitKind.Found || parent.Stat!.Kind != StatKind.Directory)
            {
                // Under a file or symlink in this layer: the path cannot exist here, nor below if it was a file.
                hit = parent.Kind == HitKind.Found ? new(HitKind.Hidden, null) : parent;
            }
            else if (name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal) || Marks(layer, parentPath, parent.Stat.HostPath).WhitedOut.Contains(name))
            {
                // A marker is not a file of the tree; a `.wh.NAME` file deletes NAME from here down.
                hit = new(HitKind.Hidden, null);
            }
            else
            {
                var stat = FileStat.Lstat(Path.Combine(parent.Stat.HostPath, name));
                hit = stat is null ? new(HitKind.Missing, null) : new(HitKind.Found, stat);
            }
        }

        _cache[(layer, relative)] = hit;
        return hit;
    }

    private static string Parent(string relative)
    {
        var slash = relative.LastIndexOf('/');
        return slash < 0 ? "" : relative[..slash];
    }
}
