using Comb.Contracts;

namespace Comb.Analyzers.Os;

/// <summary>
/// Detects the distribution from its release files (os-release, alpine-release, debian_version,
/// redhat-release and friends). Each file yields its own OsInfo; <see cref="OsInfoMerger"/> picks between them.
/// </summary>
public sealed class OsReleaseAnalyzer : IFileAnalyzer
{
    private static readonly HashSet<string> Paths = new(StringComparer.Ordinal)
    {
        "etc/os-release", "usr/lib/os-release", "etc/alpine-release", "etc/debian_version",
        "etc/redhat-release", "etc/centos-release", "etc/rocky-release", "etc/almalinux-release",
        "etc/fedora-release", "etc/oracle-release", "etc/system-release", "usr/lib/system-release",
        "etc/lsb-release", "etc/photon-release", "etc/SuSE-release", "etc/system-release-cpe",
    };

    public string Id => "os-release";
    public int Version => 1;

    public bool IsRequired(FileMeta meta) =>
        meta.Kind == FileKind.Regular
        && ((meta.Size < 64 * 1024 && Paths.Contains(meta.Path)) || (meta.Path == BusyBoxPath && meta.Size < 16 * 1024 * 1024));

    private const string BusyBoxPath = "bin/busybox";

    public async ValueTask<AnalysisResult> AnalyzeAsync(AnalysisInput input, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            if (input.Path == BusyBoxPath)
            {
                var busybox = BusyBoxVersion.Find(await AnalyzerSupport.ReadAllAsync(input, cancellationToken).ConfigureAwait(false));
                return busybox is null ? AnalysisResult.Empty : new AnalysisResult { Os = busybox };
            }

            text = await AnalyzerSupport.ReadTextAsync(input, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            return new AnalysisResult { Diagnostics = [AnalyzerSupport.Warning(input, Id, "cannot read release file: " + ex.Message)] };
        }

        var os = ReleaseFileParser.Parse(input.Path, text);
        return os is null ? AnalysisResult.Empty : new AnalysisResult { Os = os };
    }
}
