using System.IO.Compression;
using System.Text.Json;
using Comb.Testing;
using Comb.VulnDb.Versioning;

namespace Comb.VulnDb.Tests.Versioning;

/// <summary>
/// Accuracy on real advisories: every version an OSV record names (range events and listed versions) should be
/// readable by the comparer its ecosystem maps to, and listed versions should sort the way the range says.
/// </summary>
public sealed class OsvVersionCoverageTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("Debian", 0.999)]
    [InlineData("Alpine", 0.99)] // secdb carries malformed fix versions such as "1.18.-r2"
    [InlineData("AlmaLinux", 0.999)]
    [InlineData("Ubuntu", 0.999)]
    [InlineData("PyPI", 0.99)]
    [InlineData("Go", 0.999)]
    [InlineData("crates.io", 0.999)]
    [InlineData("npm", 0.99)]
    [InlineData("Maven", 0.999)]
    [InlineData("NuGet", 0.999)]
    [InlineData("RubyGems", 0.99)]
    [InlineData("Packagist", 0.98)]
    public void Reads_the_versions_real_advisories_name(string ecosystem, double minimumShare)
    {
        var zip = SharedData.Require("vulndb", "osv", ecosystem, "all.zip");
        var comparer = VersionSchemes.ForEcosystem(ecosystem)!;
        int total = 0, valid = 0, ordered = 0, rangeChecks = 0;
        var bad = new SortedSet<string>(StringComparer.Ordinal);
        var misordered = new List<string>();

        using var archive = ZipFile.OpenRead(zip);
        foreach (var entry in archive.Entries.Where(e => e.Name.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = entry.Open();
            using var doc = JsonDocument.Parse(stream);
            if (!doc.RootElement.TryGetProperty("affected", out var affected))
            {
                continue;
            }

            foreach (var a in affected.EnumerateArray())
            {
                var eco = a.TryGetProperty("package", out var p) && p.TryGetProperty("ecosystem", out var e) ? e.GetString() : null;
                if (eco is null || VersionSchemes.SchemeForEcosystem(eco) != comparer.Scheme)
                {
                    continue;
                }

                var events = new List<(string Kind, string Version)>();
                if (a.TryGetProperty("ranges", out var ranges))
                {
                    foreach (var r in ranges.EnumerateArray().Where(r => r.GetProperty("type").GetString() is "ECOSYSTEM" or "SEMVER"))
                    {
                        foreach (var ev in r.GetProperty("events").EnumerateArray())
                        {
                            foreach (var prop in ev.EnumerateObject().Where(x => x.Name is "introduced" or "fixed" or "last_affected"))
                            {
                                events.Add((prop.Name, prop.Value.GetString()!));
                            }
                        }
                    }
                }

                var versions = a.TryGetProperty("versions", out var vs) ? vs.EnumerateArray().Select(v => v.GetString()!).ToList() : [];
                foreach (var v in events.Select(x => x.Version).Where(v => v != "0").Concat(versions))
                {
                    total++;
                    if (comparer.IsValid(v))
                    {
                        valid++;
                    }
                    else if (bad.Count < 15)
                    {
                        bad.Add(v);
                    }
                }

                // Listed affected versions lie below the (single) fixed version of a simple range.
                var fixes = events.Where(x => x.Kind == "fixed").Select(x => x.Version).ToList();
                if (fixes.Count == 1 && events.Count(x => x.Kind == "introduced") == 1 && events.Any(x => x is ("introduced", "0")))
                {
                    foreach (var v in versions.Where(comparer.IsValid))
                    {
                        rangeChecks++;
                        if (comparer.Compare(v, fixes[0]) < 0)
                        {
                            ordered++;
                        }
                        else if (misordered.Count < 10)
                        {
                            misordered.Add($"{entry.Name}: {v} !< {fixes[0]}");
                        }
                    }
                }
            }
        }

        var share = total == 0 ? 1 : (double)valid / total;
        output.WriteLine($"{ecosystem} ({comparer.Scheme}): {valid}/{total} versions valid ({share:P2}); " +
            $"listed-before-fix {ordered}/{rangeChecks}; unreadable examples: {string.Join(", ", bad)}; misordered: {string.Join("; ", misordered)}");
        Assert.True(total > 0, "no versions found");
        Assert.True(share >= minimumShare, $"only {share:P2} of {total} versions readable; e.g. {string.Join(", ", bad)}");
        // A record can list its own fix as affected (PYSEC-2023-177 does); the comparer must agree with nearly all.
        Assert.True(ordered >= rangeChecks * 0.9999, $"{rangeChecks - ordered} listed versions not below the fix: {string.Join("; ", misordered)}");
    }
}
