using System.Text.Json;
using Comb.Contracts;
using Comb.Image.Stores;

namespace Comb.Runtime;

public sealed record RuntimeScanOptions
{
    /// <summary>containers/storage graph root; default /var/lib/containers/storage.</summary>
    public string? StorageRoot { get; init; }

    /// <summary>containers/storage run root (pid files); default /run/containers/storage.</summary>
    public string? RunRoot { get; init; }
}

/// <summary>
/// Lists the running containers of a Podman/CRI-O store from its files alone and reports, for each, the files that
/// drifted from its image (web shells and other malware found by the malware engines) and its least-privilege
/// facts. Reads only; never enters a container or runs anything in it.
/// </summary>
public sealed class RuntimeScanner(IFileAnalyzer? malware)
{
    public const string DefaultRunRoot = "/run/containers/storage";

    public async Task<RuntimeReport> ScanAsync(RuntimeScanOptions options, CancellationToken cancellationToken)
    {
        var stores = ContainersStorage.Open(options.StorageRoot);
        var runRoot = Path.GetFullPath(options.RunRoot ?? DefaultRunRoot);
        var reports = new List<ContainerReport>();
        foreach (var store in stores)
        {
            var containers = await store.ContainersAsync(cancellationToken).ConfigureAwait(false);
            var states = await ContainerStateReader.ReadAsync(store, containers, runRoot, cancellationToken).ConfigureAwait(false);
            var images = (await store.ImagesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(i => i.Id, StringComparer.Ordinal);
            var layers = (await store.LayersAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(l => l.Id, StringComparer.Ordinal);
            foreach (var container in containers.OrderBy(c => c.Names?.FirstOrDefault() ?? c.Id, StringComparer.Ordinal))
            {
                if (states.TryGetValue(container.Id, out var state) && state.Running)
                {
                    reports.Add(await ScanContainerAsync(store, container, state, images, layers, [store.Root, runRoot], cancellationToken).ConfigureAwait(false));
                }
            }
        }

        return new RuntimeReport { StorageRoot = stores[0].Root, Containers = reports };
    }

    private async Task<ContainerReport> ScanContainerAsync(
        ContainersStorage store,
        ContainersStorage.StoredContainer container,
        ContainerState state,
        Dictionary<string, ContainersStorage.StoredImage> images,
        Dictionary<string, ContainersStorage.StoredLayer> layers,
        IReadOnlyCollection<string> runtimeDirectories,
        CancellationToken cancellationToken)
    {
        var what = $"container {ContainersStorage.Short(container.Id)}";
        var imageId = container.Image ?? throw new CombInputException($"{store.Root}: {what} names no image");
        var image = images.GetValueOrDefault(imageId) ?? throw new CombInputException($"{store.Root}: {what} uses image {ContainersStorage.Short(imageId)}, which is not in the store");
        var layerId = container.Layer ?? throw new CombInputException($"{store.Root}: {what} has no layer");

        // Image layers, uppermost first; for vfs the top one alone is the image's whole tree.
        var chain = new List<string>();
        for (var id = image.TopLayer; !string.IsNullOrEmpty(id) && chain.Count <= 1000; id = layers.GetValueOrDefault(id)?.Parent)
        {
            chain.Add(store.LayerDirectory(id));
        }

        var imageDirs = store.Driver == "vfs" ? chain.Take(1).ToList() : chain;
        var containerDirs = store.Driver == "vfs" ? [store.LayerDirectory(layerId)] : new List<string> { store.LayerDirectory(layerId) }.Concat(imageDirs).ToList();
        var imageTree = new LayeredTree(imageDirs);
        var containerTree = new LayeredTree(containerDirs);
        var entries = await new DriftDetector(containerTree, imageTree, MountDestinations(state.Spec)).CompareAsync(cancellationToken).ConfigureAwait(false);
        var packageFiles = await PackageFiles.ReadAsync(imageTree, cancellationToken).ConfigureAwait(false);
        var drift = new List<DriftFinding>(entries.Count);
        foreach (var entry in entries)
        {
            drift.Add(await DescribeAsync(entry, packageFiles, container.Id, cancellationToken).ConfigureAwait(false));
        }

        return new ContainerReport
        {
            Id = container.Id,
            Name = state.Name ?? container.Names?.FirstOrDefault(),
            Image = state.RawImageName ?? image.Names?.FirstOrDefault(),
            ImageId = "sha256:" + image.Id,
            ImageDigest = image.Digest,
            Pid = state.Pid,
            StartedAt = state.StartedAt,
            MutableImageReference = !(state.RawImageName ?? "").Contains("@sha256:", StringComparison.Ordinal),
            Drift = drift,
            Privileges = PrivilegeChecks.Check(state, runtimeDirectories),
        };
    }

    private async Task<DriftFinding> DescribeAsync(DriftEntry entry, IReadOnlySet<string> packageFiles, string containerId, CancellationToken cancellationToken)
    {
        var stat = entry.Container;
        var kinds = new List<string>();
        string? sha = null;
        IReadOnlyList<MalwareFinding> malware = [];
        if (stat is { Kind: StatKind.Regular })
        {
            kinds.AddRange(await FileClassifier.ClassifyAsync(entry.Path, stat, cancellationToken).ConfigureAwait(false));
            sha = await DriftDetector.Sha256Async(stat.HostPath, cancellationToken).ConfigureAwait(false);
            malware = await ScanMalwareAsync(entry.Path, stat, containerId, cancellationToken).ConfigureAwait(false);
        }

        if (packageFiles.Contains(entry.Path) && entry.Change != "added")
        {
            kinds.Add("package-file");
        }

        var severity = malware.Count > 0 ? malware.Max(m => m.Severity)
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
            Malware = malware,
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
