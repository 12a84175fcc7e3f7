using Comb.Contracts;

namespace Comb.VulnDb.Matching;

/// <summary>Finds the version ordering an OSV range is written in: SEMVER ranges use SemVer, ECOSYSTEM ranges the ecosystem's own.</summary>
internal interface IVersionComparerResolver
{
    /// <summary>The comparer for a range of <paramref name="rangeType"/> in <paramref name="ecosystem"/>; null when none applies (GIT, unknown ecosystem).</summary>
    IVersionComparer? For(string rangeType, string ecosystem);
}
