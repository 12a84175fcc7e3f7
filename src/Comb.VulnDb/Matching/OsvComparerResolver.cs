using Comb.Contracts;
using Comb.VulnDb.Versioning;

namespace Comb.VulnDb.Matching;

/// <summary>SEMVER ranges use SemVer (Go's flavour for Go, Cargo's for crates.io); ECOSYSTEM ranges the ecosystem's scheme; GIT none.</summary>
internal sealed class OsvComparerResolver : IVersionComparerResolver
{
    public static readonly OsvComparerResolver Instance = new();

    public IVersionComparer? For(string rangeType, string ecosystem) => rangeType switch
    {
        "SEMVER" => ecosystem switch
        {
            "Go" => GoVersionComparer.Instance,
            "crates.io" => CargoVersionComparer.Instance,
            _ => SemVerComparer.Instance,
        },
        "ECOSYSTEM" => VersionSchemes.ForEcosystem(ecosystem),
        _ => null,
    };
}
