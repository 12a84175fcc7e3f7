using Comb.Analyzers.Os;
using Comb.Contracts;

namespace Comb.Analyzers.Binary;

/// <summary>
/// Go modules compiled into a binary, from its embedded build info: the toolchain as the "stdlib" package,
/// the main module and every dependency (after replacements).
/// </summary>
public sealed class GoBinaryAnalyzer : IFileAnalyzer
{
    public string Id => "go-binary";
    public int Version => 1;

    public bool IsRequired(FileMeta meta) => ExecutableCandidates.IsCandidate(meta);

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        try
        {
            await using var source = await RandomAccessSource.OpenAsync(input, cancellationToken).ConfigureAwait(false);
            if (!ExecutableImage.HasExecutableMagic(source.ReadUpTo(0, 4)))
            {
                return AnalysisResult.Empty;
            }

            ExecutableImage? image;
            try
            {
                image = ExecutableImage.TryRead(source);
            }
            catch (InvalidDataException ex)
            {
                return new AnalysisResult { Diagnostics = [AnalyzerSupport.Warning(input, Id, "malformed executable headers: " + ex.Message)] };
            }

            if (image is null)
            {
                return AnalysisResult.Empty;
            }

            var info = GoBuildInfoReader.Read(source, image, cancellationToken);
            return info is null ? AnalysisResult.Empty : AnalyzerSupport.Packages(input, "gobinary", ToPackages(info, input));
        }
        catch (InvalidDataException ex)
        {
            return new AnalysisResult { Diagnostics = [AnalyzerSupport.Warning(input, Id, "corrupt Go build info: " + ex.Message)] };
        }
        catch (EndOfStreamException ex)
        {
            return new AnalysisResult { Diagnostics = [AnalyzerSupport.Warning(input, Id, "truncated executable: " + ex.Message)] };
        }
    }

    private List<Package> ToPackages(GoBuildInfo info, AnalysisInput input)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["goToolchain"] = info.GoVersion };
        var packages = new List<Package>();
        if (info.Main is { Path.Length: > 0 } main)
        {
            var version = main.Version;
            if (version == "(devel)")
            {
                version = GoLdFlags.VersionHint(info.Settings) ?? version;
            }

            var mainMeta = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
            foreach (var (key, value) in info.Settings)
            {
                mainMeta["build." + key] = value;
            }

            packages.Add(Create(main.Path, version, "root", mainMeta, input));
        }

        foreach (var dep in info.Deps)
        {
            packages.Add(Create(dep.Path, dep.Version, "indirect", metadata, input));
        }

        var toolchain = StdlibVersion(info.GoVersion);
        if (toolchain is not null)
        {
            packages.Add(Create("stdlib", toolchain, "direct", metadata, input));
        }

        return packages;
    }

    /// <summary>"go1.22.1 X:boringcrypto" -> "v1.22.1"; development toolchains have no comparable version.</summary>
    internal static string? StdlibVersion(string goVersion)
    {
        if (!goVersion.StartsWith("go", StringComparison.Ordinal))
        {
            return null;
        }

        var end = goVersion.IndexOfAny([' ', '\t']);
        var core = end < 0 ? goVersion[2..] : goVersion[2..end];
        return core.Length > 0 && char.IsAsciiDigit(core[0]) ? "v" + core : null;
    }

    private Package Create(string path, string version, string relationship, Dictionary<string, string> metadata, AnalysisInput input) => new()
    {
        Name = path,
        Version = version,
        Type = PackageTypes.Golang,
        Purl = PackageUrl.Create("golang", null, path, version.Length == 0 ? null : version),
        Relationship = relationship,
        LayerDiffId = input.LayerDiffId,
        Path = input.Path,
        FoundBy = Id,
        Metadata = metadata,
    };
}

/// <summary>Versions set at link time with -ldflags "-X pkg.version=..." for modules built as "(devel)".</summary>
internal static class GoLdFlags
{
    private static readonly string[] VersionKeys = ["version", "ver", "gitversion", "appversion", "buildversion", "releaseversion"];

    public static string? VersionHint(IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        var ldflags = settings.FirstOrDefault(s => s.Key == "-ldflags").Value;
        if (string.IsNullOrEmpty(ldflags))
        {
            return null;
        }

        var tokens = ldflags.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < tokens.Length; i++)
        {
            string assignment;
            if (tokens[i] is "-X" or "--X" && i + 1 < tokens.Length)
            {
                assignment = tokens[++i];
            }
            else if (tokens[i].StartsWith("-X=", StringComparison.Ordinal))
            {
                assignment = tokens[i][3..];
            }
            else
            {
                continue;
            }

            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = assignment[..eq];
            var value = assignment[(eq + 1)..].Trim('\'', '"');
            var lastDot = key.LastIndexOf('.');
            var name = key[(lastDot + 1)..].ToLowerInvariant();
            var pkg = lastDot < 0 ? "" : key[..lastDot];
            var pkgOk = pkg == "main" || pkg.EndsWith("/version", StringComparison.Ordinal) || pkg.EndsWith("/cmd", StringComparison.Ordinal) || pkg.EndsWith("/build", StringComparison.Ordinal) || pkg == "cmd";
            if (pkgOk && VersionKeys.Contains(name) && LooksLikeVersion(value))
            {
                return value;
            }
        }

        return null;
    }

    private static bool LooksLikeVersion(string value)
    {
        var v = value.StartsWith('v') ? value[1..] : value;
        return v.Length > 0 && char.IsAsciiDigit(v[0]) && v.Contains('.', StringComparison.Ordinal);
    }
}
