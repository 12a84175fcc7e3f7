using Comb.Contracts;

namespace Comb.Engine.Walk;

/// <summary>
/// The user's --skip-files and --skip-dirs: paths no analyzer reads. Paths are matched as the image stores them,
/// relative to the root; patterns may be written with a leading '/'.
/// </summary>
public sealed class PathSkipper
{
    public static readonly PathSkipper None = new([], []);

    private readonly Glob[] _files;
    private readonly Glob[] _dirs;

    public PathSkipper(IEnumerable<string> files, IEnumerable<string> dirs)
    {
        _files = [.. files.Select(Normalize).Where(p => p.Length > 0).Select(p => new Glob(p))];
        _dirs = [.. dirs.Select(Normalize).Where(p => p.Length > 0).Select(p => new Glob(p))];
        CacheKey = _files.Length + _dirs.Length == 0
            ? ""
            : "skip:" + string.Join('\u0001', _files.Select(g => g.Pattern)) + "\u0002" + string.Join('\u0001', _dirs.Select(g => g.Pattern));
    }

    public static PathSkipper From(ScanOptions options) =>
        options.SkipFiles.Count + options.SkipDirs.Count == 0 ? None : new PathSkipper(options.SkipFiles, options.SkipDirs);

    /// <summary>Part of the layer cache key: what is skipped changes what a layer's results hold. Empty when nothing is.</summary>
    public string CacheKey { get; }

    public bool IsEmpty => _files.Length + _dirs.Length == 0;

    public bool Skips(string path)
    {
        if (IsEmpty)
        {
            return false;
        }

        if (_files.Length > 0 && Glob.Any(_files, path))
        {
            return true;
        }

        // A file is in a skipped directory when one of its parent directories matches.
        for (var slash = path.IndexOf('/'); slash > 0 && _dirs.Length > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (Glob.Any(_dirs, path[..slash]))
            {
                return true;
            }
        }

        return false;
    }

    private static string Normalize(string pattern) => pattern.Trim().TrimStart('/').TrimEnd('/');
}
