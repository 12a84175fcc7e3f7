namespace Comb.Secrets.Engine;

/// <summary>Decides cheaply whether a file is binary: a NUL byte early on, or a well-known binary extension.</summary>
public static class BinaryContent
{
    private const int SniffBytes = 8 * 1024;

    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".tif", ".tiff", ".webp", ".svgz",
        ".woff", ".woff2", ".ttf", ".otf", ".eot",
        ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".lz4", ".7z", ".rar", ".tar", ".jar", ".war", ".ear", ".whl", ".apk", ".deb", ".rpm",
        ".so", ".a", ".o", ".dll", ".exe", ".dylib", ".pyc", ".pyo", ".class", ".wasm", ".node",
        ".mp3", ".mp4", ".avi", ".mov", ".mkv", ".ogg", ".wav", ".flac",
        ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx",
        ".db", ".sqlite", ".sqlite3", ".mo", ".gmo", ".bin", ".dat", ".pack", ".idx", ".cache",
    };

    public static bool HasBinaryExtension(string path)
    {
        var slash = path.LastIndexOf('/');
        var dot = path.LastIndexOf('.');
        return dot > slash && Extensions.Contains(path[dot..]);
    }

    public static bool LooksBinary(ReadOnlySpan<byte> content) =>
        content[..Math.Min(content.Length, SniffBytes)].IndexOf((byte)0) >= 0;
}
