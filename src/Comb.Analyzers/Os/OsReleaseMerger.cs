using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>Hands <see cref="OsInfoMerger"/> to the scan pipeline.</summary>
public sealed class OsReleaseMerger : IOsReleaseMerger
{
    public OsInfo? Merge(IReadOnlyList<OsCandidate> candidates) => OsInfoMerger.Merge(candidates.Select(c => (c.Path, c.Os)));
}
