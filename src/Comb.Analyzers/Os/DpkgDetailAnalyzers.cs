using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>
/// usr/share/doc/PACKAGE/copyright: the licences of an installed Debian package, as a detail joined to the
/// package after the layers are stacked (the file and the status database are often written by different layers).
/// </summary>
public sealed class DpkgCopyrightAnalyzer : IFileAnalyzer
{
    private const string DocDir = "usr/share/doc/";

    public string Id => "dpkg-copyright";
    public int Version => 1;

    public bool IsRequired(FileMeta meta) =>
        meta.Kind == FileKind.Regular && meta.Size < 4 * 1024 * 1024 && meta.Path.StartsWith(DocDir, StringComparison.Ordinal)
        && meta.Path.EndsWith("/copyright", StringComparison.Ordinal) && meta.Path.IndexOf('/', DocDir.Length) == meta.Path.Length - "/copyright".Length;

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var text = await AnalyzerSupport.ReadTextAsync(input, cancellationToken).ConfigureAwait(false);
        var licenses = DebianCopyright.Licenses(text);
        if (licenses.Count == 0)
        {
            return AnalysisResult.Empty;
        }

        var package = input.Path[DocDir.Length..^"/copyright".Length];
        return new AnalysisResult
        {
            Details = [new PackageDetail { Path = input.Path, Kind = "dpkg", PackageName = package, Licenses = licenses }],
        };
    }
}

/// <summary>
/// var/lib/dpkg/info/PACKAGE[:ARCH].list: the files a Debian package installed (directories left out), as a
/// detail joined to the package; it lets the SBOM list them and keeps an OS package's binaries from being
/// reported again as language packages.
/// </summary>
public sealed class DpkgFileListAnalyzer : IFileAnalyzer
{
    private const string InfoDir = "var/lib/dpkg/info/";

    public string Id => "dpkg-file-list";
    public int Version => 1;

    public bool IsRequired(FileMeta meta) =>
        meta.Kind == FileKind.Regular && meta.Path.StartsWith(InfoDir, StringComparison.Ordinal) && meta.Path.EndsWith(".list", StringComparison.Ordinal)
        && meta.Path.IndexOf('/', InfoDir.Length) < 0;

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var text = await AnalyzerSupport.ReadTextAsync(input, cancellationToken).ConfigureAwait(false);
        var entries = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('/') && l != "/.")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var directories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            for (var slash = entry.LastIndexOf('/'); slash > 0; slash = entry.LastIndexOf('/', slash - 1))
            {
                if (!directories.Add(entry[..slash]))
                {
                    break;
                }
            }
        }

        var files = entries.Where(e => !directories.Contains(e)).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            return AnalysisResult.Empty;
        }

        var name = input.Path[InfoDir.Length..^".list".Length];
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return new AnalysisResult
        {
            Details = [new PackageDetail
            {
                Path = input.Path,
                Kind = "dpkg",
                PackageName = colon < 0 ? name : name[..colon],
                Arch = colon < 0 ? null : name[(colon + 1)..],
                InstalledFiles = files,
            }],
        };
    }
}
