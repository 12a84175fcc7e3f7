using Comb.Contracts;

namespace Comb.Engine.Apply;

/// <summary>
/// A file that an OS package installed is that package's: a Go binary from a .deb, the dist-info of python3-*, a
/// jar from a -java package. Reporting it again as a language package would count one thing twice, with advisories
/// from two sources; like Trivy, the language package set whose declaring file an OS package owns is dropped.
/// </summary>
public static class OsOwnedFiles
{
    private static readonly string[] MergedUsrDirs = ["bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/"];

    public static IReadOnlyList<PackageSet> DropLanguageSetsOwnedByOs(IReadOnlyList<PackageSet> sets)
    {
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var package in sets.SelectMany(s => s.Packages).Where(p => PackageClasses.IsOs(p.Type)))
        {
            foreach (var file in package.InstalledFiles ?? [])
            {
                owned.Add(file.TrimStart('/'));
            }
        }

        if (owned.Count == 0)
        {
            return sets;
        }

        return [.. sets.Where(s => PackageClasses.Of(s) == PackageClass.Os || !IsOwned(owned, ArchiveRoot(s.FilePath)))];
    }

    /// <summary>Owned as written, or under its other name on a merged-/usr system (/bin is /usr/bin).</summary>
    private static bool IsOwned(HashSet<string> owned, string path)
    {
        if (owned.Contains(path))
        {
            return true;
        }

        if (path.StartsWith("usr/", StringComparison.Ordinal) && MergedUsrDirs.Any(d => path.AsSpan(4).StartsWith(d, StringComparison.Ordinal)))
        {
            return owned.Contains(path[4..]);
        }

        return MergedUsrDirs.Any(d => path.StartsWith(d, StringComparison.Ordinal)) && owned.Contains("usr/" + path);
    }

    private static string ArchiveRoot(string path)
    {
        var bang = path.IndexOf('!', StringComparison.Ordinal);
        return bang > 0 ? path[..bang] : path;
    }
}
