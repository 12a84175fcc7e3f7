using System.Text.Json;
using Comb.Contracts;
using Comb.Runtime.Containerd.Api;

namespace Comb.Runtime.Containerd;

/// <summary>
/// containerd's running containers, through its API: for each container whose task runs, its image's digest (the
/// image record's target), its drift (its snapshot's files against the image's) and its privileges (the OCI spec it
/// was created with). Namespaces are read one by one: all of them unless one is named.
/// </summary>
public sealed class ContainerdRuntime(ContainerDrift drift)
{
    public async Task<IReadOnlyList<ContainerReport>> ScanAsync(string address, string? onlyNamespace, CancellationToken cancellationToken)
    {
        using var client = ContainerdClient.Connect(address);
        var namespaces = onlyNamespace is { Length: > 0 } ns ? [ns] : await client.NamespacesAsync(cancellationToken).ConfigureAwait(false);
        var reports = new List<ContainerReport>();
        foreach (var name in namespaces)
        {
            var running = (await client.TasksAsync(name, cancellationToken).ConfigureAwait(false))
                .Where(t => t.Status == Status.Running)
                .GroupBy(ContainerIdOf, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var containers = await client.ContainersAsync(name, cancellationToken).ConfigureAwait(false);
            foreach (var container in containers.Where(c => running.ContainsKey(c.Id)).OrderBy(c => c.Id, StringComparer.Ordinal))
            {
                reports.Add(await ScanContainerAsync(client, name, container, running[container.Id], cancellationToken).ConfigureAwait(false));
            }
        }

        return reports;
    }

    private async Task<ContainerReport> ScanContainerAsync(ContainerdClient client, string ns, Container container, Process task, CancellationToken cancellationToken)
    {
        var what = $"containerd {ns}/{container.Id}";
        JsonElement? spec = null;
        if (container.Spec is { Value.Length: > 0 } any)
        {
            try
            {
                using var doc = JsonDocument.Parse(any.Value.Memory);
                spec = doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new CombInputException($"{what}: the container's spec is not a JSON OCI runtime spec: {ex.Message}", ex);
            }
        }

        var image = container.Image.Length > 0 ? await client.ImageAsync(ns, container.Image, cancellationToken).ConfigureAwait(false) : null;
        IReadOnlyList<DriftFinding> findings = [];
        string? unavailable = null;
        IReadOnlyList<string> roots = [];
        if (container.SnapshotKey.Length == 0)
        {
            unavailable = "the container's root filesystem is not a snapshot";
        }
        else
        {
            try
            {
                var mounts = await client.MountsAsync(ns, container.Snapshotter, container.SnapshotKey, cancellationToken).ConfigureAwait(false);
                var layout = await SnapshotLayout.ResolveAsync(mounts, what, cancellationToken).ConfigureAwait(false);
                roots = layout.Roots;
                findings = await drift.FindAsync(new LayeredTree(layout.Container), new LayeredTree(layout.Image), spec, container.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (CombInputException ex)
            {
                // One container whose snapshot cannot be read leaves the others' reports intact.
                unavailable = ex.Message;
            }
        }

        var state = new ContainerState { Id = container.Id, Name = NameOf(container), Running = true, Pid = (int)task.Pid, RawImageName = container.Image, Spec = spec };
        return new ContainerReport
        {
            Id = container.Id,
            Runtime = "containerd",
            Namespace = ns,
            Name = state.Name,
            Image = container.Image.Length > 0 ? container.Image : null,
            ImageDigest = image?.Target?.Digest is { Length: > 0 } digest ? digest : null,
            Pid = state.Pid,
            StartedAt = container.CreatedAt?.ToDateTimeOffset(),
            MutableImageReference = !container.Image.Contains("@sha256:", StringComparison.Ordinal),
            Drift = findings,
            DriftUnavailable = unavailable,
            Privileges = PrivilegeChecks.Check(state, roots),
        };
    }

    /// <summary>A task is its container's init process: containerd 1.x lists it with only its id (the container's), 2.x with both.</summary>
    private static string ContainerIdOf(Process task) => task.ContainerId.Length > 0 ? task.ContainerId : task.Id;

    /// <summary>containerd containers have ids, not names; Kubernetes and nerdctl keep a name in a label.</summary>
    private static string NameOf(Container container) =>
        container.Labels.TryGetValue("io.kubernetes.container.name", out var k8s) && container.Labels.TryGetValue("io.kubernetes.pod.name", out var pod) ? $"{pod}/{k8s}"
        : container.Labels.TryGetValue("nerdctl/name", out var nerdctl) ? nerdctl
        : container.Id;
}
