using System.Globalization;
using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>
/// Installed Debian packages from var/lib/dpkg/status, the per-package files of distroless images
/// (var/lib/dpkg/status.d/NAME) and the opkg status file of embedded images.
/// </summary>
public sealed class DpkgStatusAnalyzer : IFileAnalyzer
{
    private const string StatusDir = "var/lib/dpkg/status.d/";

    /// <summary>Files distroless images keep beside each status.d entry; they are not package records.</summary>
    private static readonly string[] SideFileSuffixes =
        [".md5sums", ".preinst", ".postinst", ".prerm", ".postrm", ".conffiles", ".list", ".triggers", ".shlibs", ".symbols", ".templates", ".config"];

    public string Id => "dpkg-status";
    public int Version => 1;

    public bool IsRequired(FileMeta meta)
    {
        if (meta.Kind != FileKind.Regular)
        {
            return false;
        }

        var path = meta.Path;
        if (path is "var/lib/dpkg/status" or "var/lib/opkg/status")
        {
            return true;
        }

        return path.StartsWith(StatusDir, StringComparison.Ordinal)
            && path.IndexOf('/', StatusDir.Length) < 0
            && !SideFileSuffixes.Any(s => path.EndsWith(s, StringComparison.Ordinal));
    }

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var kind = input.Path.StartsWith("var/lib/opkg/", StringComparison.Ordinal) ? "opkg" : "dpkg";
        string text;
        try
        {
            text = await AnalyzerSupport.ReadTextAsync(input, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            return AnalyzerSupport.Packages(input, kind, [], [AnalyzerSupport.Warning(input, Id, "cannot read status file: " + ex.Message)]);
        }

        var diagnostics = new List<Diagnostic>();
        var records = new List<Dictionary<string, string>>();
        foreach (var paragraph in ControlFileParser.Paragraphs(text))
        {
            if (!paragraph.TryGetValue("Package", out var name) || name.Length == 0)
            {
                continue;
            }

            if (paragraph.TryGetValue("Status", out var status) && !IsInstalled(status))
            {
                continue;
            }

            if (!paragraph.TryGetValue("Version", out var version) || version.Length == 0)
            {
                continue;
            }

            if (kind == "dpkg" && !DebianVersion.IsValid(version))
            {
                diagnostics.Add(AnalyzerSupport.Warning(input, Id, $"package {name} has an invalid version '{version}', skipped"));
                continue;
            }

            records.Add(paragraph);
        }

        if (records.Count == 0 && text.Trim().Length > 0 && !text.Contains("Package:", StringComparison.Ordinal))
        {
            diagnostics.Add(AnalyzerSupport.Warning(input, Id, "no package records found in status file"));
        }

        var installed = records
            .GroupBy(r => r["Package"], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()["Version"], StringComparer.Ordinal);
        var packages = records.Select(r => ToPackage(r, kind, input, installed)).ToList();
        return AnalyzerSupport.Packages(input, kind, packages, diagnostics);
    }

    /// <summary>dpkg-query lists a package when its want is install/hold and its state is installed.</summary>
    private static bool IsInstalled(string status)
    {
        var words = status.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Length >= 3 && words[0] is "install" or "hold" && words[^1] == "installed";
    }

    private Package ToPackage(Dictionary<string, string> record, string kind, AnalysisInput input, Dictionary<string, string> installed)
    {
        var name = record["Package"];
        var version = record["Version"];
        var arch = record.GetValueOrDefault("Architecture");
        var maintainer = record.GetValueOrDefault("Maintainer");
        var (sourceName, sourceVersion) = ParseSource(record.GetValueOrDefault("Source"), name, version);
        var (epoch, _, _) = DebianVersion.Split(version);

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (maintainer is not null)
        {
            metadata["maintainer"] = maintainer;
        }

        if (record.TryGetValue("Installed-Size", out var size))
        {
            metadata["installedSize"] = size;
        }

        string? purl = null;
        if (kind == "dpkg")
        {
            var vendor = IsUbuntu(version, maintainer) ? "ubuntu" : "debian";
            var qualifiers = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!string.IsNullOrEmpty(arch))
            {
                qualifiers["arch"] = arch;
            }

            purl = PackageUrl.Create("deb", vendor, name, version, qualifiers);
        }

        var licenses = record.TryGetValue("License", out var license) && license.Length > 0 ? new[] { license } : null;
        return new Package
        {
            Name = name,
            Version = version,
            Type = PackageTypes.Deb,
            Purl = purl,
            SourceName = sourceName,
            SourceVersion = sourceVersion,
            Arch = arch,
            Epoch = epoch is not null && int.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : null,
            Licenses = licenses,
            LayerDiffId = input.LayerDiffId,
            Path = input.Path,
            FoundBy = Id,
            Metadata = metadata,
            DependsOn = ResolveDepends(record, installed),
        };
    }

    private static (string Name, string Version) ParseSource(string? source, string name, string version)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            return (name, version);
        }

        var open = source.IndexOf('(', StringComparison.Ordinal);
        if (open < 0)
        {
            return (source.Trim(), version);
        }

        var close = source.IndexOf(')', open);
        var srcVersion = close > open ? source[(open + 1)..close].Trim() : version;
        return (source[..open].Trim(), srcVersion);
    }

    private static bool IsUbuntu(string version, string? maintainer) =>
        version.Contains("ubuntu", StringComparison.OrdinalIgnoreCase)
        || (maintainer?.Contains("ubuntu.com", StringComparison.OrdinalIgnoreCase) ?? false);

    /// <summary>Depends and Pre-Depends entries that name exactly one installed package, as name@version.</summary>
    private static IReadOnlyList<string>? ResolveDepends(Dictionary<string, string> record, Dictionary<string, string> installed)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var field in new[] { "Depends", "Pre-Depends" })
        {
            if (!record.TryGetValue(field, out var value))
            {
                continue;
            }

            foreach (var group in value.Split(','))
            {
                if (group.Contains('|', StringComparison.Ordinal))
                {
                    continue;
                }

                var dep = group.Trim();
                var cut = dep.IndexOfAny([' ', '(', ':']);
                var depName = cut < 0 ? dep : dep[..cut];
                if (installed.TryGetValue(depName, out var depVersion))
                {
                    result.Add(depName + "@" + depVersion);
                }
            }
        }

        return result.Count == 0 ? null : [.. result];
    }
}
