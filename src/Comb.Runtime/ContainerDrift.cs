using System.Text.Json;
using Comb.Contracts;

namespace Comb.Runtime;

/// <summary>
/// A container's drift as findings: its tree compared with its image's, each added or changed file classified,
/// hashed and offered to the malware engines, package files flagged. Shared by every runtime (Podman, containerd).
/// </summary>
public sealed class ContainerDrift(IFileAnalyzer? malware)
{
    public async Task<IReadOnlyList<DriftFinding>> FindAsync(LayeredTree container, LayeredTree image, JsonElement? spec, string containerId, CancellationToken cancellationToken)
    {
        var entries = await new DriftDetector(container, image, MountDestinations(spec)).CompareAsync(cancellationToken).ConfigureAwait(false);
        var packageFiles = await PackageFiles.ReadAsync(image, cancellationToken).ConfigureAwait(false);
        var drift = new List<DriftFinding>(entries.Count);
        foreach (var entry in entries)
        {
            drift.Add(await DescribeAsync(entry, packageFiles, containerId, cancellationToken).ConfigureAwait(false));
        }

        return drift;
    }

    private async Task<DriftFinding> DescribeAsync(DriftEntry entry, IReadOnlySet<string> packageFiles, string containerId, CancellationToken cancellationToken)
    {
        var stat = entry.Container;
        var kinds = new List<string>();
        string? sha = null;
        IReadOnlyList<MalwareFinding> malwareHits = [];
        if (stat is { Kind: StatKind.Regular })
        {
            kinds.AddRange(await FileClassifier.ClassifyAsync(entry.Path, stat, cancellationToken).ConfigureAwait(false));
            sha = await DriftDetector.Sha256Async(stat.HostPath, cancellationToken).ConfigureAwait(false);
            malwareHits = await ScanMalwareAsync(entry.Path, stat, containerId, cancellationToken).ConfigureAwait(false);
        }

        if (packageFiles.Contains(entry.Path) && entry.Change != "added")
        {
            kinds.Add("package-file");
        }

        var severity = malwareHits.Count > 0 ? malwareHits.Max(m => m.Severity)
            : kinds.Intersect(["setuid", "setgid", "executable", "shared-library", "script"]).Any() ? Severity.High
            : kinds.Contains("package-file") ? Severity.Medium
            : Severity.Low;
        return new DriftFinding
        {
            Path = entry.Path,
            Change = entry.Change,
            Kinds = kinds,
            Size = stat?.Size ?? 0,
            Mode = stat?.OctalMode,
            Sha256 = sha,
            ImageSize = entry.Change == "changed" ? entry.Image?.Size : null,
            ImageMode = entry.Change == "changed" ? entry.Image?.OctalMode : null,
            ImageSha256 = entry.Change == "changed" && entry.Image is { Kind: StatKind.Regular } ? await DriftDetector.Sha256Async(entry.Image.HostPath, cancellationToken).ConfigureAwait(false) : null,
            Severity = severity,
            Malware = malwareHits,
        };
    }

    private async Task<IReadOnlyList<MalwareFinding>> ScanMalwareAsync(string path, FileStat stat, string containerId, CancellationToken cancellationToken)
    {
        var meta = new FileMeta { Path = path.TrimStart('/'), Kind = FileKind.Regular, Size = stat.Size, Mode = stat.Permissions, Uid = (int)stat.Uid };
        if (malware is null || !malware.IsRequired(meta))
        {
            return [];
        }

        var input = new AnalysisInput(meta, "container:" + containerId, () => new FileStream(stat.HostPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan));
        var result = await malware.AnalyzeAsync(input, cancellationToken).ConfigureAwait(false);
        return [.. result.Malware.Select(m => m with { Path = path })];
    }

    /// <summary>Where the runtime mounts something over the root filesystem: those paths are not the container's files.</summary>
    private static HashSet<string> MountDestinations(JsonElement? spec)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (spec is { ValueKind: JsonValueKind.Object } s && s.TryGetProperty("mounts", out var mounts) && mounts.ValueKind == JsonValueKind.Array)
        {
            foreach (var mount in mounts.EnumerateArray())
            {
                if (mount.TryGetProperty("destination", out var d) && d.GetString() is { Length: > 1 } destination)
                {
                    result.Add("/" + destination.Trim('/'));
                }
            }
        }

        return result;
    }
}
