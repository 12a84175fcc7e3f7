using System.Text.Json;
using Comb.Contracts;
using Comb.Image.Stores;
using Comb.Runtime.Containerd;

namespace Comb.Runtime;

public sealed record RuntimeScanOptions
{
    /// <summary>containers/storage graph root; default /var/lib/containers/storage.</summary>
    public string? StorageRoot { get; init; }

    /// <summary>containers/storage run root (pid files); default /run/containers/storage.</summary>
    public string? RunRoot { get; init; }

    /// <summary>containerd's socket; default /run/containerd/containerd.sock when it exists and no storage root is given.</summary>
    public string? ContainerdAddress { get; init; }

    /// <summary>One containerd namespace; default every namespace.</summary>
    public string? ContainerdNamespace { get; init; }
}

/// <summary>
/// Lists the running containers of a Podman/CRI-O store (from its files alone) and of containerd (through its API)
/// and reports, for each, the files that drifted from its image (web shells and other malware found by the malware
/// engines) and its least-privilege facts. Reads only; never enters a container or runs anything in it.
/// </summary>
public sealed class RuntimeScanner(IFileAnalyzer? malware)
{
    public const string DefaultRunRoot = "/run/containers/storage";
    public const string DefaultStorageRoot = "/var/lib/containers/storage";
    public const string DefaultContainerdAddress = "/run/containerd/containerd.sock";

    private readonly ContainerDrift _drift = new(malware);

    public async Task<RuntimeReport> ScanAsync(RuntimeScanOptions options, CancellationToken cancellationToken)
    {
        // Without any choice, every runtime whose default location exists; Podman's store otherwise, so the error names it.
        var chosen = options.StorageRoot is not null || options.ContainerdAddress is not null;
        var containerdAddress = options.ContainerdAddress ?? (!chosen && FileStat.Lstat(DefaultContainerdAddress) is not null ? DefaultContainerdAddress : null);
        var podman = options.StorageRoot is not null || (!chosen && (Directory.Exists(DefaultStorageRoot) || containerdAddress is null));

        var reports = new List<ContainerReport>();
        string? storageRoot = null;
        if (podman)
        {
            var stores = ContainersStorage.Open(options.StorageRoot);
            storageRoot = stores[0].Root;
            reports.AddRange(await ScanPodmanAsync(stores, options, cancellationToken).ConfigureAwait(false));
        }

        if (containerdAddress is not null)
        {
            reports.AddRange(await new ContainerdRuntime(_drift).ScanAsync(containerdAddress, options.ContainerdNamespace, cancellationToken).ConfigureAwait(false));
        }

        return new RuntimeReport { StorageRoot = storageRoot, ContainerdAddress = containerdAddress, Containers = reports };
    }

    private async Task<List<ContainerReport>> ScanPodmanAsync(IReadOnlyList<ContainersStorage> stores, RuntimeScanOptions options, CancellationToken cancellationToken)
    {
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

        return reports;
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
        var drift = await _drift.FindAsync(containerTree, imageTree, state.Spec, container.Id, cancellationToken).ConfigureAwait(false);

        return new ContainerReport
        {
            Id = container.Id,
            Runtime = "podman",
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
}
