using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Comb.Server.Tests.Admission;

/// <summary>AdmissionReview requests as the API server sends them, with objects made from the Kubernetes models.</summary>
internal static class Reviews
{
    public static V1PodSpec Spec(string image, string? init = null) => new()
    {
        Containers = [new V1Container { Name = "app", Image = image }],
        InitContainers = init is null ? null : [new V1Container { Name = "setup", Image = init }],
    };

    public static V1PodTemplateSpec Template(string image) => new() { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } }, Spec = Spec(image) };

    public static V1Pod Pod(string image, string? init = null) => new() { ApiVersion = "v1", Kind = "Pod", Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop" }, Spec = Spec(image, init) };

    /// <summary>Every workload kind with <paramref name="image"/> in its pod template: (group, kind, resource, object).</summary>
    public static IEnumerable<(string Group, string Kind, string Resource, object Object)> Workloads(string image)
    {
        var meta = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop" };
        var selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } };
        yield return ("apps", "Deployment", "deployments", new V1Deployment { ApiVersion = "apps/v1", Kind = "Deployment", Metadata = meta, Spec = new V1DeploymentSpec { Selector = selector, Template = Template(image) } });
        yield return ("apps", "StatefulSet", "statefulsets", new V1StatefulSet { ApiVersion = "apps/v1", Kind = "StatefulSet", Metadata = meta, Spec = new V1StatefulSetSpec { Selector = selector, ServiceName = "web", Template = Template(image) } });
        yield return ("apps", "DaemonSet", "daemonsets", new V1DaemonSet { ApiVersion = "apps/v1", Kind = "DaemonSet", Metadata = meta, Spec = new V1DaemonSetSpec { Selector = selector, Template = Template(image) } });
        yield return ("apps", "ReplicaSet", "replicasets", new V1ReplicaSet { ApiVersion = "apps/v1", Kind = "ReplicaSet", Metadata = meta, Spec = new V1ReplicaSetSpec { Selector = selector, Template = Template(image) } });
        yield return ("batch", "Job", "jobs", new V1Job { ApiVersion = "batch/v1", Kind = "Job", Metadata = meta, Spec = new V1JobSpec { Template = Template(image) } });
        yield return ("batch", "CronJob", "cronjobs", new V1CronJob
        {
            ApiVersion = "batch/v1", Kind = "CronJob", Metadata = meta,
            Spec = new V1CronJobSpec { Schedule = "*/5 * * * *", JobTemplate = new V1JobTemplateSpec { Spec = new V1JobSpec { Template = Template(image) } } },
        });
    }

    /// <summary>The review's JSON: the object serialised by the Kubernetes client, as the API server would send it.</summary>
    public static string Json(string uid, string group, string kind, string resource, object obj, string ns = "shop", string operation = "CREATE",
        bool dryRun = false, string? subResource = null, string user = "alice@example.com")
    {
        var review = new Dictionary<string, object?>
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new Dictionary<string, object?>
            {
                ["uid"] = uid,
                ["kind"] = new { group, version = "v1", kind },
                ["resource"] = new { group, version = "v1", resource },
                ["subResource"] = subResource,
                ["requestKind"] = new { group, version = "v1", kind },
                ["name"] = "web",
                ["namespace"] = ns,
                ["operation"] = operation,
                ["userInfo"] = new { username = user, uid = "u-1", groups = new[] { "system:authenticated", "developers" } },
                ["object"] = JsonDocument.Parse(KubernetesJson.Serialize(obj)).RootElement,
                ["oldObject"] = null,
                ["dryRun"] = dryRun,
                ["options"] = new { apiVersion = "meta.k8s.io/v1", kind = "CreateOptions" },
            },
        };
        return JsonSerializer.Serialize(review);
    }

    public static string PodJson(string uid, V1Pod pod, string ns = "shop", bool dryRun = false) => Json(uid, "", "Pod", "pods", pod, ns, dryRun: dryRun);

    /// <summary>Posts a review (with the API server's ?timeout=) and returns the HTTP status and the parsed answer.</summary>
    public static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, string json, string timeout = "30s", CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync($"/admission/v1/validate?timeout={timeout}", content, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return (response.StatusCode, body);
    }

    /// <summary>The response of an answered review, after checking the envelope: same apiVersion and kind, the uid echoed.</summary>
    public static JsonElement Response(JsonElement body, string uid)
    {
        Assert.Equal("admission.k8s.io/v1", body.GetProperty("apiVersion").GetString());
        Assert.Equal("AdmissionReview", body.GetProperty("kind").GetString());
        Assert.False(body.TryGetProperty("request", out _));
        var response = body.GetProperty("response");
        Assert.Equal(uid, response.GetProperty("uid").GetString());
        return response;
    }

    public static IReadOnlyList<string> Warnings(JsonElement response) =>
        response.TryGetProperty("warnings", out var w) ? [.. w.EnumerateArray().Select(x => x.GetString()!)] : [];
}
