using Comb.Contracts;

namespace Comb.Engine.Apply;

/// <summary>
/// Development-only dependencies (flagged by the lock files that say so) are not part of what ships; like Trivy and
/// Syft, they are left out unless asked for (--include-dev-deps).
/// </summary>
public static class DevDependencies
{
    public static IReadOnlyList<PackageSet> Filter(IReadOnlyList<PackageSet> sets, bool include)
    {
        if (include || !sets.Any(s => s.Packages.Any(p => p.Dev)))
        {
            return sets;
        }

        return [.. sets
            .Select(s => s.Packages.Any(p => p.Dev) ? s with { Packages = [.. s.Packages.Where(p => !p.Dev)] } : s)
            .Where(s => s.Packages.Count > 0)];
    }
}
