namespace Comb.Contracts;

/// <summary>
/// Normalises slash-separated paths inside an image or an archive: no leading slash, no empty or "." segments, and
/// ".." takes the segment before it away. Callers choose what ".." at the root means: refused, or the root (chroot).
/// </summary>
public static class PathSegments
{
    /// <summary>The normalised path, or null when ".." would climb above the root.</summary>
    public static string? Normalize(string path) => Join(path, clampAtRoot: false);

    /// <summary>The normalised path, where ".." at the root stays at the root (as a link resolves inside a chroot).</summary>
    public static string NormalizeWithin(string path) => Join(path, clampAtRoot: true)!;

    private static string? Join(string path, bool clampAtRoot)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!clampAtRoot)
                {
                    return null;
                }

                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }
}
