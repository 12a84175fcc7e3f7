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

    private static string? Join(string path, bool clampAtRoot) => Plain(path) ?? Walk(path, clampAtRoot);

    /// <summary>The segment walk itself: split on "/", drop empty and "." segments, ".." takes the one before it away.</summary>
    internal static string? Walk(string path, bool clampAtRoot)
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

    /// <summary>
    /// The common case without splitting: leading "./" and "/" and trailing "/" around segments that are none of
    /// empty, "." or "..", which then normalise to the text between them. Null for any other path (the full walk decides).
    /// </summary>
    private static string? Plain(string path)
    {
        var start = 0;
        while (true)
        {
            if (path.AsSpan(start).StartsWith("./", StringComparison.Ordinal))
            {
                start += 2;
            }
            else if (start < path.Length && path[start] == '/')
            {
                start++;
            }
            else
            {
                break;
            }
        }

        var end = path.Length;
        while (end > start && path[end - 1] == '/')
        {
            end--;
        }

        var rest = path.AsSpan(start, end - start);
        while (true)
        {
            var slash = rest.IndexOf('/');
            var segment = slash < 0 ? rest : rest[..slash];
            if (segment.IsEmpty || segment is "." or "..")
            {
                return null;
            }

            if (slash < 0)
            {
                break;
            }

            rest = rest[(slash + 1)..];
        }

        return start == 0 && end == path.Length ? path : path[start..end];
    }
}
