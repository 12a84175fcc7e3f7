using System.Text.Json;
using k8s;
using k8s.Models;

namespace Comb.Server.Admission;

/// <summary>One container image of a workload: where it is declared (e.g. <c>initContainers[0] (setup)</c>) and its reference.</summary>
public sealed record ContainerImage(string Container, string Image);

/// <summary>
/// Reads the images of an admitted object with the Kubernetes models: a Pod's containers, initContainers and
/// ephemeralContainers, and the pod template of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs.
/// </summary>
public static class WorkloadImages
{
    /// <summary>The kinds judged, by API group ("" for core).</summary>
    public static readonly IReadOnlyDictionary<string, string> Kinds = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Pod"] = "", ["Deployment"] = "apps", ["StatefulSet"] = "apps", ["DaemonSet"] = "apps", ["ReplicaSet"] = "apps", ["Job"] = "batch", ["CronJob"] = "batch",
    };

    /// <summary>The images of <paramref name="obj"/>, or null when the kind is not one that runs containers.</summary>
    /// <exception cref="JsonException">the object is not a valid object of its kind</exception>
    public static IReadOnlyList<ContainerImage>? Of(string? kind, JsonElement obj)
    {
        var json = obj.GetRawText();
        var spec = kind switch
        {
            "Pod" => Read<V1Pod>(json).Spec,
            "Deployment" => Read<V1Deployment>(json).Spec?.Template?.Spec,
            "StatefulSet" => Read<V1StatefulSet>(json).Spec?.Template?.Spec,
            "DaemonSet" => Read<V1DaemonSet>(json).Spec?.Template?.Spec,
            "ReplicaSet" => Read<V1ReplicaSet>(json).Spec?.Template?.Spec,
            "Job" => Read<V1Job>(json).Spec?.Template?.Spec,
            "CronJob" => Read<V1CronJob>(json).Spec?.JobTemplate?.Spec?.Template?.Spec,
            _ => null,
        };
        if (spec is null)
        {
            return kind is not null && Kinds.ContainsKey(kind) ? [] : null;
        }

        var images = new List<ContainerImage>();
        Add(images, "containers", spec.Containers?.Select(c => (c.Name, c.Image)));
        Add(images, "initContainers", spec.InitContainers?.Select(c => (c.Name, c.Image)));
        Add(images, "ephemeralContainers", spec.EphemeralContainers?.Select(c => (c.Name, c.Image)));
        return images;
    }

    private static void Add(List<ContainerImage> images, string field, IEnumerable<(string Name, string Image)>? containers)
    {
        var index = 0;
        foreach (var (name, image) in containers ?? [])
        {
            if (string.IsNullOrWhiteSpace(image))
            {
                throw new JsonException($"{field}[{index}] ({name}) has no image");
            }

            images.Add(new ContainerImage($"{field}[{index}] ({name})", image.Trim()));
            index++;
        }
    }

    private static T Read<T>(string json) => KubernetesJson.Deserialize<T>(json) ?? throw new JsonException("the object is JSON null");
}
