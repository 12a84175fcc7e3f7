using Comb.Contracts;

namespace Comb.Engine.Walk;

/// <summary>Normalises paths inside an image: no leading slash, no "." segments, and never above the root.</summary>
public static class ImagePaths
{
    /// <summary>Normalises a tar entry name; throws when ".." would climb above the image root.</summary>
    public static string NormalizeEntry(string name, string layer)
    {
        var parts = new List<string>();
        foreach (var part in name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw new CombInputException($"layer {layer}: entry '{name}' escapes the image root (path traversal)");
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>Resolves a link target inside the image the way a chroot would: ".." stops at the root.</summary>
    public static string ResolveLink(string linkPath, string target)
    {
        var baseParts = target.StartsWith('/') ? [] : linkPath.Split('/', StringSplitOptions.RemoveEmptyEntries)[..^1];
        var parts = new List<string>(baseParts);
        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
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

                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>"app/package-lock.json" -> "app"; a file at the root -> "".</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    public static bool IsUnder(string path, string dir) =>
        dir.Length == 0 || path == dir || (path.Length > dir.Length && path[dir.Length] == '/' && path.StartsWith(dir, StringComparison.Ordinal));
}
