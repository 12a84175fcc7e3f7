using Comb.Contracts;
using Comb.Engine.Walk;

namespace Comb.Engine.Apply;

/// <summary>
/// go.sum holds checksums of every module version the build ever looked at, many of them never built in
/// (only their go.mod was read). From Go 1.17 on, go.mod lists every module the build uses, so a go.sum beside
/// such a go.mod adds nothing and its extra names are not reported (as Trivy and Syft do). Before 1.17, go.mod
/// omits indirect modules: then the go.sum modules that go.mod does not name are kept. A go.sum alone stands.
/// </summary>
public static class GoSumBesideGoMod
{
    public static IReadOnlyList<PackageSet> Resolve(IReadOnlyList<PackageSet> sets)
    {
        var goMods = sets.Where(s => s.Kind == "gomod").ToDictionary(s => ImagePaths.Parent(s.FilePath), StringComparer.Ordinal);
        if (goMods.Count == 0)
        {
            return sets;
        }

        var result = new List<PackageSet>(sets.Count);
        foreach (var set in sets)
        {
            if (set.Kind != "gosum" || !goMods.TryGetValue(ImagePaths.Parent(set.FilePath), out var goMod))
            {
                result.Add(set);
                continue;
            }

            if (ListsEveryModule(goMod))
            {
                continue;
            }

            var named = goMod.Packages.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var extra = set.Packages.Where(p => !named.Contains(p.Name)).ToList();
            if (extra.Count > 0)
            {
                result.Add(set with { Packages = extra });
            }
        }

        return result;
    }

    /// <summary>The "go" directive of the module (kept on its root package) is 1.17 or newer; a go.mod without one is pre-1.17.</summary>
    private static bool ListsEveryModule(PackageSet goMod)
    {
        var go = goMod.Packages.Select(p => p.Metadata?.GetValueOrDefault("go")).FirstOrDefault(v => v is not null);
        if (go is null)
        {
            return false;
        }

        var parts = go.Split('.');
        return parts.Length >= 2 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out var major)
            && int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var minor)
            && (major > 1 || minor >= 17);
    }
}
