namespace Comb.Runtime;

/// <summary>
/// A file tree made of unpacked layer directories, uppermost first (a vfs tree is one full directory; an overlay
/// view is the container's upper directory over the image's layer diffs). Paths are looked up without leaving the
/// directories: a symlink is never followed, and an overlay whiteout hides the path in every lower layer.
/// Opaque directories (an overlay xattr) are not honoured.
/// </summary>
public sealed class LayeredTree(IReadOnlyList<string> layers)
{
    private readonly Dictionary<(int Layer, string Path), LayerHit> _cache = [];

    private enum HitKind
    {
        Missing,
        Found,
        Hidden,
    }

    private readonly record struct LayerHit(HitKind Kind, FileStat? Stat);

    /// <summary>The path's entry in the uppermost layer that has it; null when absent or deleted by a whiteout.</summary>
    public FileStat? Stat(string relative)
    {
        for (var i = 0; i < layers.Count; i++)
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

    /// <summary>Names in a directory across all layers (whiteouts included; <see cref="Stat"/> filters them).</summary>
    public IEnumerable<string> List(string relative)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < layers.Count; i++)
        {
            var hit = InLayer(i, relative);
            if (hit.Kind == HitKind.Hidden || (hit.Kind == HitKind.Found && hit.Stat!.Kind != StatKind.Directory))
            {
                break;
            }

            if (hit.Kind == HitKind.Found)
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(hit.Stat!.HostPath))
                {
                    names.Add(Path.GetFileName(entry));
                }
            }
        }

        return names;
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
            var parent = InLayer(layer, slash < 0 ? "" : relative[..slash]);
            if (parent.Kind == HitKind.Found && parent.Stat!.IsWhiteout)
            {
                hit = new(HitKind.Hidden, null);
            }
            else if (parent.Kind != HitKind.Found || parent.Stat!.Kind != StatKind.Directory)
            {
                // Under a file or symlink in this layer: the path cannot exist here, nor below if it was a file.
                hit = parent.Kind == HitKind.Found ? new(HitKind.Hidden, null) : parent;
            }
            else
            {
                var stat = FileStat.Lstat(Path.Combine(parent.Stat.HostPath, relative[(slash + 1)..]));
                hit = stat is null ? new(HitKind.Missing, null) : new(HitKind.Found, stat);
            }
        }

        _cache[(layer, relative)] = hit;
        return hit;
    }
}
