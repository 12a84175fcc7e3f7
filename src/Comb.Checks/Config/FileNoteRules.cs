using Comb.Contracts;

namespace Comb.Checks.Config;

/// <summary>Decides, from a tar header alone, which notes a file deserves.</summary>
internal static class FileNoteRules
{
    private const int SetuidBit = 0b100_000_000_000; // 04000
    private const int SetgidBit = 0b010_000_000_000; // 02000
    private const int StickyBit = 0b001_000_000_000; // 01000
    private const int OtherWrite = 0b000_000_000_010; // 0002

    /// <summary>Top-level directories whose content only root should be able to change.</summary>
    private static readonly string[] SystemRoots = ["bin/", "sbin/", "usr/", "etc/", "lib/", "lib32/", "lib64/", "libx32/", "boot/", "opt/", "root/"];

    /// <summary>Package-manager download caches and indexes: (path prefix, cache name, whether the prefix itself is a file).</summary>
    private static readonly (string Prefix, string Cache)[] Caches =
    [
        ("var/cache/apt/archives/", "apt"),
        ("var/lib/apt/lists/", "apt-lists"),
        ("var/cache/apk/", "apk"),
        ("etc/apk/cache/", "apk"),
        ("root/.cache/pip/", "pip"),
        ("home/", "pip"), // refined below: home/*/.cache/pip/
        ("var/cache/yum/", "yum"),
        ("var/cache/dnf/", "dnf"),
        ("var/cache/zypp/packages/", "zypper"),
        ("root/.npm/_cacache/", "npm"),
        ("usr/local/share/.cache/yarn/", "yarn"),
        ("root/.cache/yarn/", "yarn"),
        ("root/.composer/cache/", "composer"),
        ("root/.cache/composer/", "composer"),
        ("root/.gem/", "gem"),
        ("root/.cache/go-build/", "go-build"),
        ("root/.m2/repository/", "maven"),
        ("root/.nuget/packages/", "nuget"),
    ];

    public static bool IsRequired(FileMeta meta) => Notes(meta).Any();

    public static IEnumerable<FileNote> Notes(FileMeta meta)
    {
        if (meta.Kind is FileKind.Symlink or FileKind.HardLink or FileKind.Other)
        {
            yield break; // link permissions are meaningless; the target carries its own header
        }

        if (meta.Kind == FileKind.Regular && (meta.Mode & SetuidBit) != 0)
        {
            yield return Note(meta, FileNoteKinds.Setuid, $"owner uid {meta.Uid}");
        }

        if (meta.Kind == FileKind.Regular && (meta.Mode & SetgidBit) != 0)
        {
            yield return Note(meta, FileNoteKinds.Setgid, $"group gid {meta.Gid}");
        }

        if (IsWorldWritable(meta) && IsSystemPath(meta.Path))
        {
            yield return Note(meta, FileNoteKinds.WorldWritable, meta.Kind == FileKind.Directory ? "directory" : "file");
        }

        if (meta.Kind == FileKind.Regular && CacheName(meta.Path) is { } cache)
        {
            yield return Note(meta, FileNoteKinds.PackageCache, cache);
        }
    }

    /// <summary>Writable by anyone; directories with the sticky bit (like /tmp) are the accepted exception.</summary>
    private static bool IsWorldWritable(FileMeta meta) =>
        (meta.Mode & OtherWrite) != 0 && !(meta.Kind == FileKind.Directory && (meta.Mode & StickyBit) != 0);

    internal static bool IsSystemPath(string path)
    {
        var withSlash = path.EndsWith('/') ? path : path + "/";
        return SystemRoots.Any(root => withSlash.StartsWith(root, StringComparison.Ordinal));
    }

    internal static string? CacheName(string path)
    {
        if (path.EndsWith("/lock", StringComparison.Ordinal) || path.EndsWith("/partial/", StringComparison.Ordinal))
        {
            return null; // apt's lock files exist in clean images too
        }

        foreach (var (prefix, cache) in Caches)
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal) || path.Length == prefix.Length)
            {
                continue;
            }

            if (prefix == "home/")
            {
                // home/<user>/.cache/pip/...
                var rest = path.AsSpan(prefix.Length);
                var slash = rest.IndexOf('/');
                if (slash > 0 && rest[(slash + 1)..].StartsWith(".cache/pip/", StringComparison.Ordinal))
                {
                    return cache;
                }

                continue;
            }

            if (cache == "apt" && !path.EndsWith(".deb", StringComparison.Ordinal))
            {
                continue;
            }

            return cache;
        }

        return null;
    }

    private static FileNote Note(FileMeta meta, string kind, string detail) =>
        new() { Kind = kind, Path = meta.Path, Mode = meta.Mode, Size = meta.Size, Detail = detail };
}
