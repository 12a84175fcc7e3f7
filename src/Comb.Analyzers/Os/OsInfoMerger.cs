using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>
/// Picks the image's OS from the per-file results of <see cref="OsReleaseAnalyzer"/>.
/// <para>
/// Priority for the family (first match wins): etc/os-release, usr/lib/os-release, the distribution's own
/// release file (centos-, rocky-, almalinux-, oracle-, fedora-, redhat-, system-, SuSE-, photon-release),
/// lsb-release, alpine-release / debian_version, system-release-cpe, and last the busybox banner.
/// </para>
/// <para>
/// The version is then refined from any other file of the same family whose version extends the chosen one
/// ("3.20" -> "3.20.1" from alpine-release, "12" -> "12.5" from debian_version, "7" -> "7.6.1810" from
/// centos-release); a file that names no version for the family (distroless os-release) leaves the version to
/// the more specific file.
/// </para>
/// </summary>
public static class OsInfoMerger
{
    private static readonly string[] PathPriority =
    [
        "etc/os-release",
        "usr/lib/os-release",
        "etc/centos-release",
        "etc/rocky-release",
        "etc/almalinux-release",
        "etc/oracle-release",
        "etc/fedora-release",
        "etc/redhat-release",
        "etc/system-release",
        "usr/lib/system-release",
        "etc/SuSE-release",
        "etc/photon-release",
        "etc/lsb-release",
        "etc/alpine-release",
        "etc/debian_version",
        "etc/system-release-cpe",
        "bin/busybox",
    ];

    public static OsInfo? Merge(IEnumerable<(string path, OsInfo os)> found)
    {
        var ranked = found
            .Select(f => (f.os, rank: Rank(f.path)))
            .OrderBy(f => f.rank)
            .ToList();
        if (ranked.Count == 0)
        {
            return null;
        }

        var chosen = ranked[0].os;
        foreach (var (os, _) in ranked.Skip(1))
        {
            if (os.Family == chosen.Family && Extends(os.Name, chosen.Name))
            {
                chosen = chosen with { Name = os.Name };
            }
        }

        return chosen;
    }

    private static int Rank(string path)
    {
        var index = Array.IndexOf(PathPriority, path.TrimStart('/'));
        return index < 0 ? PathPriority.Length : index;
    }

    /// <summary>True when <paramref name="precise"/> is a longer dotted version starting with <paramref name="coarse"/>.</summary>
    private static bool Extends(string precise, string coarse) =>
        precise.Length > coarse.Length
        && precise.StartsWith(coarse, StringComparison.Ordinal)
        && precise[coarse.Length] == '.'
        && char.IsAsciiDigit(precise[0]);
}
