using Comb.Contracts;

namespace Comb.Engine.Walk;

/// <summary>Normalises paths inside an image: no leading slash, no "." segments, and never above the root.</summary>
public static class ImagePaths
{
    /// <summary>Normalises a tar entry name; throws when ".." would climb above the image root.</summary>
    public static string NormalizeEntry(string name, string layer) =>
        PathSegments.Normalize(name.Replace('\\', '/'))
        ?? throw new CombInputException($"layer {layer}: entry '{name}' escapes the image root (path traversal)");

    /// <summary>Resolves a link target inside the image the way a chroot would: ".." stops at the root.</summary>
    public static string ResolveLink(string linkPath, string target) =>
        PathSegments.NormalizeWithin(target.StartsWith('/') ? target : Parent(linkPath) + "/" + target);

    /// <summary>"app/package-lock.json" -> "app"; a file at the root -> "".</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    public static bool IsUnder(string path, string dir) =>
        dir.Length == 0 || path == dir || (path.Length > dir.Length && path[dir.Length] == '/' && path.StartsWith(dir, StringComparison.Ordinal));
}
