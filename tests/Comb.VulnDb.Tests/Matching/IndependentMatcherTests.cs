using System.IO.Compression;
using System.Text.Json;
using Comb.Contracts;
using Comb.VulnDb.Matching;

namespace Comb.VulnDb.Tests.Matching;

/// <summary>
/// Comb's matcher against <see cref="ReferenceOsvEvaluator"/> on real advisories: for a fixed sample of records of
/// every ecosystem, each version an advisory names (introduced, fixed, last_affected, listed versions) is installed as
/// a package and both decide whether that record affects it. Recall and precision are printed and bounded.
/// </summary>
[Collection(AdvisoryDbCollection.Name)]
public sealed class IndependentMatcherTests(AdvisoryDbFixture fixture)
{
    private const int RecordsPerEcosystem = 120;

    [Fact]
    public void Matcher_agrees_with_an_independent_OSV_evaluator_on_real_advisories()
    {
        using var db = fixture.Open();
        var matcher = new VulnerabilityMatcher(db, OsvComparerResolver.Instance);
        int both = 0, referenceOnly = 0, combOnly = 0, cases = 0;
        var misses = new List<string>();
        var extras = new List<string>();
        int clearedByDistro = 0;
        foreach (var zip in Directory.EnumerateFiles(Path.Combine(fixture.DataDir, "osv"), "all.zip", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var distroFixes = new Lazy<ILookup<(string, string), (HashSet<string> Ids, JsonElement Entry)>>(() => DistroFixIndex(zip));
            foreach (var (id, affected, ecosystem, name, version) in Sample(zip))
            {
                if (ToPackage(ecosystem, name, version) is not var (os, package))
                {
                    continue;
                }

                cases++;
                var expected = affected.Any(e => ReferenceOsvEvaluator.IsAffected(e, ecosystem, version));

                // Documented rule for OS packages: when a distro record states a vulnerability fixed for this version
                // (another erratum, another module build in the same record), that vulnerability is not reported.
                if (expected && os is not null && ClearedByDistro(distroFixes.Value, id, ecosystem, name, version))
                {
                    clearedByDistro++;
                    continue;
                }
                var findings = matcher.Match(os, [package], MatchingTestKit.Layers, CancellationToken.None).Findings;
                var actual = findings.Any(f => f.Id == id || f.Aliases.Contains(id));
                var line = $"{id} {ecosystem} {name} {version}";
                switch (expected, actual)
                {
                    case (true, true):
                        both++;
                        break;
                    case (true, false):
                        referenceOnly++;
                        misses.Add(line);
                        break;
                    case (false, true):
                        combOnly++;
                        extras.Add(line);
                        break;
                }
            }
        }

        var recall = both / (double)Math.Max(1, both + referenceOnly);
        var precision = both / (double)Math.Max(1, both + combOnly);
        TestContext.Current.SendDiagnosticMessage(
            $"independent matcher: {cases} package versions, recall {recall:P2} ({both} of {both + referenceOnly}), precision {precision:P2} ({combOnly} only in Comb), " +
            $"{clearedByDistro} affected by one record but stated fixed by a distro record about the same vulnerability (not counted)" +
            $"{Environment.NewLine}misses: {string.Join("; ", misses.Take(25))}{Environment.NewLine}extras: {string.Join("; ", extras.Take(25))}");
        Console.WriteLine($"IndependentMatcher recall={recall:P2} precision={precision:P2} cases={cases} both={both} refOnly={referenceOnly} combOnly={combOnly} clearedByDistro={clearedByDistro}");
        Assert.True(cases > 3000, $"only {cases} cases sampled");
        Assert.True(recall >= 0.995, $"recall {recall:P2} below 99.5 %; first misses: {string.Join("; ", misses.Take(20))}");
        Assert.True(precision >= 0.99, $"precision {precision:P2} below 99 %; first extras: {string.Join("; ", extras.Take(20))}");
    }

    [Fact]
    public void Debian_findings_say_where_their_severity_came_from()
    {
        using var db = fixture.Open();
        var matcher = new VulnerabilityMatcher(db, OsvComparerResolver.Instance);
        var findings = new List<VulnerabilityFinding>();
        foreach (var (id, _, ecosystem, name, _) in Sample(Path.Combine(fixture.DataDir, "osv", "Debian", "all.zip")).DistinctBy(s => (s.Ecosystem, s.Name)))
        {
            if (ToPackage(ecosystem, name, "0.0-0") is var (os, package))
            {
                findings.AddRange(matcher.Match(os, [package], MatchingTestKit.Layers, CancellationToken.None).Findings);
            }
        }

        var rated = findings.Count(f => f.Severity != Severity.Unknown);
        var bySource = string.Join(", ", findings.GroupBy(f => f.SeveritySource ?? "none").OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
        TestContext.Current.SendDiagnosticMessage($"Debian findings: {findings.Count}, rated {rated} ({rated / (double)Math.Max(1, findings.Count):P1}); by source: {bySource}");
        Console.WriteLine($"DebianSeverity findings={findings.Count} rated={rated} bySource: {bySource}");

        Assert.True(findings.Count > 500, $"only {findings.Count} findings");
        Assert.All(findings, f => Assert.Equal(f.Severity == Severity.Unknown, f.SeverityOrigin is null));
        Assert.Contains(findings, f => f.SeverityOrigin?.EndsWith(" urgency", StringComparison.Ordinal) == true);
    }

    /// <summary>The vulnerabilities of <paramref name="id"/> (its CVEs, else its id) are all stated fixed for the version by some distro record.</summary>
    private static bool ClearedByDistro(ILookup<(string, string), (HashSet<string> Ids, JsonElement Entry)> index, string id, string ecosystem, string name, string version)
    {
        var entries = index[(ecosystem, name)].ToList();
        var own = entries.FirstOrDefault(e => e.Ids.Contains(id)).Ids;
        if (own is null)
        {
            return false;
        }

        var vulnerabilities = own.Where(i => i.StartsWith("CVE-", StringComparison.Ordinal)).ToList();
        if (vulnerabilities.Count == 0)
        {
            vulnerabilities.Add(id);
        }

        return vulnerabilities.All(v => entries.Any(e => e.Ids.Contains(v) && !ReferenceOsvEvaluator.IsAffected(e.Entry, ecosystem, version)
            && ReferenceOsvEvaluator.IsPastAFix(e.Entry, ecosystem, version)));
    }

    /// <summary>Every security record's entries of an OS archive by (ecosystem, package), with the record's id and CVEs.</summary>
    private static ILookup<(string, string), (HashSet<string> Ids, JsonElement Entry)> DistroFixIndex(string zipPath)
    {
        var rows = new List<((string, string) Key, (HashSet<string>, JsonElement))>();
        using var zip = ZipFile.OpenRead(zipPath);
        foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".json", StringComparison.Ordinal)))
        {
            using var stream = entry.Open();
            using var doc = JsonDocument.Parse(stream);
            var root = doc.RootElement;
            var id = root.GetProperty("id").GetString()!;
            if (id.StartsWith("ALBA-", StringComparison.Ordinal) || id.StartsWith("ALEA-", StringComparison.Ordinal) || root.TryGetProperty("withdrawn", out _))
            {
                continue;
            }

            var ids = new HashSet<string>(StringComparer.Ordinal) { id };
            foreach (var field in (string[])["aliases", "upstream", "related"])
            {
                if (root.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    ids.UnionWith(list.EnumerateArray().Select(x => x.GetString()!).Where(x => x.StartsWith("CVE-", StringComparison.Ordinal)));
                }
            }

            foreach (var affected in root.TryGetProperty("affected", out var a) ? a.EnumerateArray() : default)
            {
                var package = affected.GetProperty("package");
                rows.Add(((package.GetProperty("ecosystem").GetString()!, package.GetProperty("name").GetString()!), (ids, affected.Clone())));
            }
        }

        return rows.ToLookup(r => r.Key, r => r.Item2);
    }

    /// <summary>Every n-th record of the archive (ordered by name), and each version its entries name.</summary>
    private static IEnumerable<(string Id, JsonElement[] Affected, string Ecosystem, string Name, string Version)> Sample(string zipPath)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        var entries = zip.Entries.Where(e => e.FullName.EndsWith(".json", StringComparison.Ordinal)).OrderBy(e => e.FullName, StringComparer.Ordinal).ToList();
        var step = Math.Max(1, entries.Count / RecordsPerEcosystem);
        var results = new List<(string, JsonElement[], string, string, string)>();
        for (var i = 0; i < entries.Count; i += step)
        {
            using var stream = entries[i].Open();
            using var doc = JsonDocument.Parse(stream);
            var root = doc.RootElement.Clone();
            if (root.TryGetProperty("withdrawn", out _) || root.GetProperty("id").GetString() is not { } id
                || id.StartsWith("ALBA-", StringComparison.Ordinal) || id.StartsWith("ALEA-", StringComparison.Ordinal))
            {
                continue;
            }

            // A record may list one package in several entries: it affects a version when any of them does.
            var packages = (root.TryGetProperty("affected", out var a) ? a.EnumerateArray() : default)
                .Where(e => e.TryGetProperty("package", out var p) && p.TryGetProperty("ecosystem", out _) && p.TryGetProperty("name", out _))
                .GroupBy(e => (Ecosystem: e.GetProperty("package").GetProperty("ecosystem").GetString()!, Name: e.GetProperty("package").GetProperty("name").GetString()!));
            foreach (var package in packages)
            {
                var versions = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var affected in package)
                {
                    if (affected.TryGetProperty("ranges", out var ranges))
                    {
                        foreach (var range in ranges.EnumerateArray().Where(r => r.GetProperty("type").GetString() is "ECOSYSTEM" or "SEMVER"))
                        {
                            foreach (var ev in range.GetProperty("events").EnumerateArray().SelectMany(e => e.EnumerateObject()))
                            {
                                if (ev.Name != "limit" && ev.Value.GetString() is { } v && v != "0" && !v.StartsWith("99.999", StringComparison.Ordinal))
                                {
                                    versions.UnionWith(Neighbours(v));
                                }
                            }
                        }
                    }

                    if (affected.TryGetProperty("versions", out var listed))
                    {
                        foreach (var v in listed.EnumerateArray().Take(3))
                        {
                            versions.Add(v.GetString()!);
                        }
                    }
                }

                foreach (var version in versions)
                {
                    results.Add((id, [.. package], package.Key.Ecosystem, package.Key.Name, version));
                }
            }
        }

        return results;
    }

    /// <summary>
    /// The version itself and its neighbours, made by moving its last number one down and one up (1.2.3 -> 1.2.2, 1.2.4;
    /// 1:2.4-1+deb11u3 -> ...u2, ...u4), so the ordering between events is exercised, not only equality.
    /// </summary>
    private static IEnumerable<string> Neighbours(string version)
    {
        yield return version;
        var end = version.Length;
        while (end > 0 && !char.IsAsciiDigit(version[end - 1]))
        {
            end--;
        }

        var start = end;
        while (start > 0 && char.IsAsciiDigit(version[start - 1]))
        {
            start--;
        }

        if (start == end || end - start > 9)
        {
            yield break;
        }

        var number = long.Parse(version.AsSpan(start, end - start), System.Globalization.CultureInfo.InvariantCulture);
        if (number > 0)
        {
            yield return version[..start] + (number - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + version[end..];
        }

        yield return version[..start] + (number + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) + version[end..];
    }

    /// <summary>The installed package (and OS) that stands for a version of an OSV package, or null for ecosystems Comb does not match.</summary>
    private static (OsInfo? Os, Package Package)? ToPackage(string ecosystem, string name, string version)
    {
        var parts = ecosystem.Split(':');
        Package Make(string type, string? source = null, string? pkgName = null) => new()
        {
            Name = pkgName ?? name,
            Version = version,
            Type = type,
            SourceName = source,
            Path = "fixture",
            LayerDiffId = MatchingTestKit.Layer0,
        };

        return parts[0] switch
        {
            "Debian" => (new OsInfo { Family = "debian", Name = parts[1] }, Make(PackageTypes.Deb, source: name, pkgName: name)),
            "Ubuntu" when parts.Length == 3 && parts[2] == "LTS" => (new OsInfo { Family = "ubuntu", Name = parts[1] }, Make(PackageTypes.Deb, source: name)),
            "Alpine" => (new OsInfo { Family = "alpine", Name = parts[1].TrimStart('v') + ".0" }, Make(PackageTypes.Apk, source: name)),
            "AlmaLinux" => (new OsInfo { Family = "almalinux", Name = parts[1] + ".0" }, Make(PackageTypes.Rpm)),
            "npm" => (null, Make(PackageTypes.Npm)),
            "PyPI" => (null, Make(PackageTypes.PyPI)),
            "Go" => (null, Make(PackageTypes.Golang) with { Version = "v" + version }),
            "Maven" => (null, Make(PackageTypes.Maven)),
            "NuGet" => (null, Make(PackageTypes.NuGet)),
            "RubyGems" => (null, Make(PackageTypes.Gem)),
            "crates.io" => (null, Make(PackageTypes.Cargo)),
            "Packagist" => (null, Make(PackageTypes.Composer)),
            _ => null,
        };
    }
}
