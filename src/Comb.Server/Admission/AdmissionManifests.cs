using System.Text;
using k8s;
using k8s.Models;

namespace Comb.Server.Admission;

/// <summary>What `comb admission manifests` is asked for; the defaults make a working single-replica install.</summary>
public sealed record AdmissionManifestOptions
{
    public string Service { get; init; } = "comb-admission";
    public string Namespace { get; init; } = "comb-system";
    public string Image { get; init; } = "comb:latest";

    /// <summary>PEM of the CA that signed the serving certificate (the webhook's caBundle).</summary>
    public required string CaBundlePem { get; init; }

    public string FailurePolicy { get; init; } = "Fail";
    public int TimeoutSeconds { get; init; } = 10;

    /// <summary>Namespaces the API server never sends (kube-system and Comb's own are always added).</summary>
    public IReadOnlyList<string> ExcludeNamespaces { get; init; } = [];

    /// <summary>A store shared by replicas (postgres://...); without one each replica keeps SQLite in its cache volume.</summary>
    public string? Store { get; init; }

    public int Replicas { get; init; } = 1;

    /// <summary>Policy and trust policy content, shipped in a ConfigMap and passed with --policy / --trust-policy.</summary>
    public string? PolicyYaml { get; init; }
    public string? TrustPolicyYaml { get; init; }

    public const int ContainerPort = 8443;
    public const string WebhookPath = "/admission/v1/validate";

    public string TlsSecret => Service + "-tls";
    public string PolicyConfigMap => Service + "-policy";

    /// <summary>The excluded namespaces as the namespaceSelector lists them: sorted, kube-system and Comb's own included.</summary>
    public IReadOnlyList<string> Excluded => [.. ExcludeNamespaces.Append("kube-system").Append(Namespace).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}

/// <summary>
/// The objects that install the webhook, made from the Kubernetes models: ServiceAccount, Role and RoleBinding (read its
/// own TLS secret, nothing else), the policy ConfigMap when a policy is given, Deployment, Service and the
/// ValidatingWebhookConfiguration. The Helm chart in deploy/helm/comb renders the same objects.
/// </summary>
public static class AdmissionManifests
{
    /// <summary>Resources judged, by API group: pods (and their ephemeral containers) and every workload with a pod template.</summary>
    public static readonly IReadOnlyList<(string Group, string[] Resources)> Rules =
    [
        ("", ["pods", "pods/ephemeralcontainers"]),
        ("apps", ["deployments", "statefulsets", "daemonsets", "replicasets"]),
        ("batch", ["jobs", "cronjobs"]),
    ];

    public static IReadOnlyList<IKubernetesObject> Objects(AdmissionManifestOptions o)
    {
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "comb", ["app.kubernetes.io/component"] = "admission", ["app.kubernetes.io/instance"] = o.Service };
        V1ObjectMeta Meta(string name) => new() { Name = name, NamespaceProperty = o.Namespace, Labels = new Dictionary<string, string>(labels) };
        var objects = new List<IKubernetesObject>
        {
            new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = Meta(o.Service), AutomountServiceAccountToken = false },
            new V1Role
            {
                ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "Role", Metadata = Meta(o.Service),
                Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], ResourceNames = [o.TlsSecret], Verbs = ["get"] }],
            },
            new V1RoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "RoleBinding", Metadata = Meta(o.Service),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = o.Service },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = o.Service, NamespaceProperty = o.Namespace }],
            },
        };
        if (o.PolicyYaml is not null || o.TrustPolicyYaml is not null)
        {
            var data = new Dictionary<string, string>();
            if (o.PolicyYaml is { } p) { data["policy.yaml"] = p; }
            if (o.TrustPolicyYaml is { } t) { data["trust-policy.yaml"] = t; }
            objects.Add(new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = Meta(o.PolicyConfigMap), Data = data });
        }

        objects.Add(Deployment(o, Meta(o.Service), labels));
        objects.Add(new V1Service
        {
            ApiVersion = "v1", Kind = "Service", Metadata = Meta(o.Service),
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string>(labels),
                Ports = [new V1ServicePort { Name = "https", Port = 443, TargetPort = AdmissionManifestOptions.ContainerPort, Protocol = "TCP" }],
            },
        });
        objects.Add(Webhook(o, labels));
        return objects;
    }

    /// <summary>All objects as one YAML stream (documents separated by ---).</summary>
    public static string Yaml(AdmissionManifestOptions options)
    {
        var text = new StringBuilder();
        foreach (var obj in Objects(options))
        {
            text.Append("---\n").Append(KubernetesYaml.Serialize(obj).TrimEnd()).Append('\n');
        }

        return text.ToString();
    }

    public static V1ValidatingWebhookConfiguration Webhook(AdmissionManifestOptions o, IDictionary<string, string> labels) => new()
    {
        ApiVersion = "admissionregistration.k8s.io/v1", Kind = "ValidatingWebhookConfiguration",
        Metadata = new V1ObjectMeta { Name = o.Service, Labels = new Dictionary<string, string>(labels) },
        Webhooks =
        [
            new V1ValidatingWebhook
            {
                Name = $"images.{o.Service}.{o.Namespace}.comb.dev",
                ClientConfig = new Admissionregistrationv1WebhookClientConfig
                {
                    CaBundle = Encoding.ASCII.GetBytes(o.CaBundlePem),
                    Service = new Admissionregistrationv1ServiceReference { Name = o.Service, NamespaceProperty = o.Namespace, Path = AdmissionManifestOptions.WebhookPath, Port = 443 },
                },
                Rules = [.. Rules.Select(r => new V1RuleWithOperations
                {
                    ApiGroups = [r.Group], ApiVersions = ["v1"], Operations = ["CREATE", "UPDATE"], Resources = [.. r.Resources], Scope = "Namespaced",
                })],
                FailurePolicy = o.FailurePolicy,
                MatchPolicy = "Equivalent",
                SideEffects = "None",
                AdmissionReviewVersions = ["v1"],
                TimeoutSeconds = o.TimeoutSeconds,
                NamespaceSelector = new V1LabelSelector
                {
                    MatchExpressions = [new V1LabelSelectorRequirement { Key = "kubernetes.io/metadata.name", OperatorProperty = "NotIn", Values = [.. o.Excluded] }],
                },
            },
        ],
    };

    /// <summary>The server's arguments in the pod: the same failure policy, timeout and exclusions as the webhook configuration.</summary>
    public static IReadOnlyList<string> ServerArgs(AdmissionManifestOptions o)
    {
        var args = new List<string>
        {
            "server", "--admission", "--listen", $"https://0.0.0.0:{AdmissionManifestOptions.ContainerPort}",
            "--tls-cert", "/etc/comb/tls/tls.crt", "--tls-key", "/etc/comb/tls/tls.key", "--cache-dir", "/var/cache/comb",
            "--failure-policy", o.FailurePolicy, "--admission-timeout", o.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var ns in o.Excluded)
        {
            args.AddRange(["--exclude-namespace", ns]);
        }

        if (o.PolicyYaml is not null) { args.AddRange(["--policy", "/etc/comb/policy/policy.yaml"]); }
        if (o.TrustPolicyYaml is not null) { args.AddRange(["--trust-policy", "/etc/comb/policy/trust-policy.yaml"]); }
        if (o.Store is not null) { args.AddRange(["--store", o.Store]); }
        return args;
    }

    private static V1Deployment Deployment(AdmissionManifestOptions o, V1ObjectMeta meta, IDictionary<string, string> labels)
    {
        var mounts = new List<V1VolumeMount>
        {
            new() { Name = "tls", MountPath = "/etc/comb/tls", ReadOnlyProperty = true },
            new() { Name = "cache", MountPath = "/var/cache/comb" },
            new() { Name = "tmp", MountPath = "/tmp" },
        };
        var volumes = new List<V1Volume>
        {
            new() { Name = "tls", Secret = new V1SecretVolumeSource { SecretName = o.TlsSecret } },
            new() { Name = "cache", EmptyDir = new V1EmptyDirVolumeSource() },
            new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() },
        };
        if (o.PolicyYaml is not null || o.TrustPolicyYaml is not null)
        {
            mounts.Add(new V1VolumeMount { Name = "policy", MountPath = "/etc/comb/policy", ReadOnlyProperty = true });
            volumes.Add(new V1Volume { Name = "policy", ConfigMap = new V1ConfigMapVolumeSource { Name = o.PolicyConfigMap } });
        }

        var security = new V1SecurityContext
        {
            RunAsNonRoot = true, RunAsUser = 65532, AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true,
            Capabilities = new V1Capabilities { Drop = ["ALL"] }, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
        };
        var probe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = AdmissionManifestOptions.ContainerPort, Scheme = "HTTPS" }, PeriodSeconds = 10 };
        return new V1Deployment
        {
            ApiVersion = "apps/v1", Kind = "Deployment", Metadata = meta,
            Spec = new V1DeploymentSpec
            {
                Replicas = o.Replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = o.Service,
                        AutomountServiceAccountToken = false,
                        InitContainers =
                        [
                            new V1Container
                            {
                                Name = "advisory-db", Image = o.Image, Args = ["db", "update", "--cache-dir", "/var/cache/comb"],
                                SecurityContext = security, VolumeMounts = mounts,
                            },
                        ],
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "comb", Image = o.Image, Args = [.. ServerArgs(o)],
                                Ports = [new V1ContainerPort { Name = "https", ContainerPort = AdmissionManifestOptions.ContainerPort, Protocol = "TCP" }],
                                ReadinessProbe = probe, LivenessProbe = probe,
                                SecurityContext = security, VolumeMounts = mounts,
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m"), ["memory"] = new("512Mi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("2Gi") },
                                },
                            },
                        ],
                        Volumes = volumes,
                    },
                },
            },
        };
    }
}
