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
    public string Id => "dpkg-file-list";
    public int Version => 1;

    public bool IsRequired(FileMeta meta) => DpkgInfoFile.Is(meta, ".list");

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

        var name = DpkgInfoFile.Stem(input.Path, ".list");
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

/// <summary>
/// var/lib/dpkg/info/PACKAGE[:ARCH].md5sums: the MD5 of every file a Debian package installed (conffiles are not
/// listed), as a detail; after stacking, a file whose digest still matches is the distribution's file, one that
/// differs is a modified package file.
/// </summary>
public sealed class DpkgMd5sumsAnalyzer : IFileAnalyzer
{
    public string Id => "dpkg-md5sums";
    public int Version => 1;

    public bool IsRequired(FileMeta meta) => DpkgInfoFile.Is(meta, ".md5sums");

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        var text = await AnalyzerSupport.ReadTextAsync(input, cancellationToken).ConfigureAwait(false);
        var digests = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var bad = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            // "<32 hex digits>  <path relative to />"
            if (line.Length < 35 || line[32] != ' ' || !IsHex(line.AsSpan(0, 32)))
            {
                bad++;
                continue;
            }

            var path = line[33..].TrimStart(' ', '*').TrimStart('/');
            if (path.Length > 0)
            {
                digests[path] = "md5:" + line[..32].ToLowerInvariant();
            }
        }

        var diagnostics = bad == 0 ? [] : new[] { AnalyzerSupport.Warning(input, Id, $"{bad} line(s) are not '<md5>  <path>', ignored") };
        if (digests.Count == 0)
        {
            return diagnostics.Length == 0 ? AnalysisResult.Empty : new AnalysisResult { Diagnostics = diagnostics };
        }

        var name = DpkgInfoFile.Stem(input.Path, ".md5sums");
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        return new AnalysisResult
        {
            Details = [new PackageDetail
            {
                Path = input.Path,
                Kind = "dpkg",
                PackageName = colon < 0 ? name : name[..colon],
                Arch = colon < 0 ? null : name[(colon + 1)..],
                FileDigests = digests,
            }],
            Diagnostics = diagnostics,
        };
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A regular file directly in var/lib/dpkg/info/ with the given extension (per-package metadata).</summary>
internal static class DpkgInfoFile
{
    private const string InfoDir = "var/lib/dpkg/info/";

    public static bool Is(FileMeta meta, string extension) =>
        meta.Kind == FileKind.Regular && meta.Path.StartsWith(InfoDir, StringComparison.Ordinal)
        && meta.Path.EndsWith(extension, StringComparison.Ordinal) && meta.Path.IndexOf('/', InfoDir.Length) < 0;

    /// <summary>The package part of the file name: PACKAGE[:ARCH].</summary>
    public static string Stem(string path, string extension) => path[InfoDir.Length..^extension.Length];
}
