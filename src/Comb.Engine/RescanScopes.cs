using Comb.Checks.Policy;
using Comb.Contracts;
using Comb.Storage;
using Comb.VulnDb.Matching;

namespace Comb.Engine;

/// <summary>
/// Tells a <see cref="Rescanner"/> which stored scans an advisory update cannot change, so it repeats them without
/// reading them: only for scans made by this Comb version, when the re-check applies no policy (a verdict may
/// depend on the day) and matches vulnerabilities, and the database recorded what changed since their build.
/// </summary>
public static class RescanScopes
{
    public static Func<string, string, ScanOptions, CancellationToken, Task<UpdateScope?>> Of(StoredMatchSeeder seeder) =>
        async (since, toolVersion, options, cancellationToken) =>
        {
            if (toolVersion != ScanContext.ToolVersion || !options.IsEnabled(Scanners.Vuln)
                || await ScanPolicies.GetAsync(options, cancellationToken).ConfigureAwait(false) is not null)
            {
                return null;
            }

            return seeder.FilterSince(since, options) is { } filter ? new UpdateScope(filter.CurrentVersion, filter.Touches, filter.Ids) : null;
        };
}
