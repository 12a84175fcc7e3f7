using Comb.Contracts;
using Comb.VulnDb.Database;

namespace Comb.VulnDb.Matching;

/// <summary>
/// What the current advisory database changed since an earlier build, asked of stored packages without reading the
/// scans that hold them: a stored scan none of whose packages <see cref="Touches"/> and none of whose findings carries
/// one of <see cref="Ids"/> matches exactly as it did (the rules of <see cref="MatchMemo.IsTouched"/>, applied per
/// package name rather than per target, so never less often).
/// </summary>
public sealed class StoredScanFilter
{
    private readonly AdvisoryDbChanges _changes;
    private readonly string[] _ecosystems;

    internal StoredScanFilter(string currentVersion, AdvisoryDbChanges changes)
    {
        CurrentVersion = currentVersion;
        _changes = changes;
        _ecosystems = [.. changes.Ecosystems];
    }

    /// <summary>The version label of the current build.</summary>
    public string CurrentVersion { get; }

    /// <summary>Ids (own, aliases, upstream, related) of every changed record and of every changed KEV entry.</summary>
    public IReadOnlyCollection<string> Ids => _changes.Ids;

    /// <summary>
    /// Whether a change names the package: under its ecosystem, or for an OS package under any distro release the
    /// changes mention (the image's release is not asked). <paramref name="source"/> is the stored source package:
    /// "" for none, null when not recorded (then any change to an OS ecosystem counts).
    /// </summary>
    public bool Touches(string name, string type, string? source, string? purl)
    {
        var package = new Package { Name = name, Version = "0", Type = type, SourceName = string.IsNullOrEmpty(source) ? null : source, Purl = purl };
        if (!PackageClasses.IsOs(type))
        {
            return MatchTargets.For(package, null) is { } target
                ? target.Names.Any(n => _changes.NamesPackage(target.Ecosystem, n))
                : type == PackageTypes.Maven && _ecosystems.Contains("Maven", StringComparer.Ordinal); // its group may have come from metadata not stored per row
        }

        foreach (var ecosystem in _ecosystems)
        {
            // Distro ecosystems (Debian:11, Alpine:v3.11, ...) are the ones with a release; OS packages are looked up nowhere else.
            if (!ecosystem.Contains(':', StringComparison.Ordinal) || MatchTargets.For(package, ecosystem) is not { } target)
            {
                continue;
            }

            if (source is null || target.Names.Any(n => _changes.NamesPackage(ecosystem, n)))
            {
                return true;
            }
        }

        return false;
    }
}
