using Comb.Contracts;

namespace Comb.Analyzers.Binary;

/// <summary>The cheap, header-only test for "might be a compiled program worth opening".</summary>
internal static class ExecutableCandidates
{
    /// <summary>Below this, a file cannot hold a Go or Rust program with embedded metadata.</summary>
    public const long MinimumSize = 4 * 1024;

    private static readonly string[] NonBinaryExtensions =
    [
        ".sh", ".bash", ".py", ".pl", ".rb", ".js", ".txt", ".json", ".md", ".html", ".xml", ".yaml", ".yml",
        ".conf", ".cfg", ".ini", ".h", ".c", ".go", ".rs", ".java", ".class", ".jar", ".gz", ".zip", ".tar",
        ".png", ".jpg", ".svg", ".css", ".pyc", ".mo", ".po", ".a", ".o",
    ];

    /// <summary>
    /// Regular files that are executable, or sit in a bin/sbin directory (layers built on other systems may lose
    /// modes), or are Windows executables. Script and data extensions are skipped; the magic check happens at open.
    /// </summary>
    public static bool IsCandidate(FileMeta meta)
    {
        if (meta.Kind != FileKind.Regular || meta.Size < MinimumSize)
        {
            return false;
        }

        var path = meta.Path;
        var slash = path.LastIndexOf('/');
        var fileName = path.AsSpan(slash + 1);
        var dot = fileName.LastIndexOf('.');
        if (dot > 0 && IsNonBinaryExtension(fileName[dot..]))
        {
            return false;
        }

        if ((meta.Mode & 0b001_001_001) != 0)
        {
            return true;
        }

        ReadOnlySpan<char> dir = slash < 0 ? default : path.AsSpan(0, slash);
        return dir is "bin" or "sbin" || dir.EndsWith("/bin", StringComparison.Ordinal) || dir.EndsWith("/sbin", StringComparison.Ordinal)
            || fileName.EndsWith(".exe", StringComparison.OrdinalIgnoreCase);
    }

    // Spans, not substrings: every entry of a layer is asked, so this allocates nothing.
    private static bool IsNonBinaryExtension(ReadOnlySpan<char> extension)
    {
        foreach (var known in NonBinaryExtensions)
        {
            if (extension.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
