using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Comb.Cli;
using Comb.Server.Admission;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Comb.Server.Tests.Admission;

/// <summary>`comb admission certs`, `comb admission manifests` and the Helm chart in deploy/helm/comb.</summary>
public sealed class AdmissionInstallTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("comb-admission-install-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Certs_writes_a_ca_and_a_serving_certificate_for_the_service_names()
    {
        var (code, output) = await RunAsync("admission", "certs", "--service", "guard", "--namespace", "security", "--out", _dir, "--san", "127.0.0.1");
        Assert.True(code == 0, output);

        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_dir, "ca.crt"));
        using var serving = X509Certificate2.CreateFromPemFile(Path.Combine(_dir, "tls.crt"), Path.Combine(_dir, "tls.key"));
        Assert.True(serving.HasPrivateKey);
        var names = serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(["guard", "guard.security", "guard.security.svc", "guard.security.svc.cluster.local"], names.EnumerateDnsNames().ToArray());
        Assert.Equal("127.0.0.1", Assert.Single(names.EnumerateIPAddresses()).ToString());
        Assert.True(serving.MatchesHostname("guard.security.svc"));
        Assert.Contains(serving.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(serving), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.True(ca.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.False(serving.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "tls.key")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "ca.key")));
        }

        (code, output) = await RunAsync("admission", "certs", "--service", "Bad_Name", "--out", _dir);
        Assert.Equal(2, code);
        Assert.Contains("not a valid Kubernetes name", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manifests_print_the_webhook_deployment_service_and_rbac_with_the_chosen_settings()
    {
        Assert.Equal(0, (await RunAsync("admission", "certs", "--service", "guard", "--namespace", "security", "--out", _dir)).Code);
        var policy = Path.Combine(_dir, "policy.yaml");
        await File.WriteAllTextAsync(policy, "name: p\nrules:\n  - id: m\n    action: block\n    malware: {}\n", Ct);
        var (code, yaml) = await RunAsync("admission", "manifests", "--service", "guard", "--namespace", "security", "--ca", Path.Combine(_dir, "ca.crt"),
            "--failure-policy", "Ignore", "--timeout-seconds", "7", "--exclude-namespace", "monitoring", "--image", "registry.example/comb:1.0", "--policy", policy);
        Assert.True(code == 0, yaml);

        var objects = KubernetesYaml.LoadAllFromString(yaml);
        Assert.Equal(["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Deployment", "Service", "ValidatingWebhookConfiguration"],
            objects.Select(o => ((IKubernetesObject)o).Kind).ToArray());

        var webhook = Assert.Single(objects.OfType<V1ValidatingWebhookConfiguration>().Single().Webhooks);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(_dir, "ca.crt"), Ct), Encoding.ASCII.GetString(webhook.ClientConfig.CaBundle));
        Assert.Equal("guard", webhook.ClientConfig.Service.Name);
        Assert.Equal("security", webhook.ClientConfig.Service.NamespaceProperty);
        Assert.Equal("/admission/v1/validate", webhook.ClientConfig.Service.Path);
        Assert.Equal("None", webhook.SideEffects);
        Assert.Equal(["v1"], webhook.AdmissionReviewVersions);
        Assert.Equal(7, webhook.TimeoutSeconds);
        Assert.Equal("Ignore", webhook.FailurePolicy);
        var selector = Assert.Single(webhook.NamespaceSelector.MatchExpressions);
        Assert.Equal(("kubernetes.io/metadata.name", "NotIn"), (selector.Key, selector.OperatorProperty));
        Assert.Equal(["kube-system", "monitoring", "security"], selector.Values);
        Assert.Equal(new[] { "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs", "pods", "pods/ephemeralcontainers" }.Order(StringComparer.Ordinal),
            webhook.Rules.SelectMany(r => r.Resources).Order(StringComparer.Ordinal));
        Assert.All(webhook.Rules, r => Assert.Equal(["CREATE", "UPDATE"], r.Operations));

        var deployment = objects.OfType<V1Deployment>().Single();
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal("registry.example/comb:1.0", container.Image);
        var args = string.Join(' ', container.Args);
        Assert.Contains("server --admission --listen https://0.0.0.0:8443", args, StringComparison.Ordinal);
        Assert.Contains("--failure-policy Ignore --admission-timeout 7", args, StringComparison.Ordinal);
        Assert.Contains("--exclude-namespace monitoring", args, StringComparison.Ordinal);
        Assert.Contains("--policy /etc/comb/policy/policy.yaml", args, StringComparison.Ordinal);
        Assert.Equal("guard-tls", deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == "tls").Secret.SecretName);
        Assert.Equal("HTTPS", container.ReadinessProbe.HttpGet.Scheme);
        Assert.Equal("guard", deployment.Spec.Template.Spec.ServiceAccountName);
        Assert.Contains("action: block", objects.OfType<V1ConfigMap>().Single().Data["policy.yaml"], StringComparison.Ordinal);

        var service = objects.OfType<V1Service>().Single();
        Assert.Equal((443, "8443"), (service.Spec.Ports[0].Port, service.Spec.Ports[0].TargetPort.Value));
        var role = objects.OfType<V1Role>().Single();
        Assert.Equal(["guard-tls"], Assert.Single(role.Rules).ResourceNames);
        Assert.Equal(["get"], role.Rules[0].Verbs);

        (code, var error) = await RunAsync("admission", "manifests", "--ca", Path.Combine(_dir, "missing.crt"));
        Assert.Equal(2, code);
        Assert.Contains("cannot read", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// The chart's values and the static parts of its templates match `comb admission manifests` (read as text, so this
    /// holds without helm; the rendering itself is compared in the next test).
    /// </summary>
    [Fact]
    public async Task The_helm_chart_renders_the_same_objects_as_the_manifests_command()
    {
        var chart = Path.Combine(RepositoryRoot(), "deploy", "helm", "comb");
        var values = Yaml(Path.Combine(chart, "values.yaml"));
        var defaults = new AdmissionManifestOptions { CaBundlePem = "" };
        Assert.Equal(defaults.Service, Scalar(values, "service"));
        Assert.Equal(defaults.FailurePolicy, Scalar(values, "failurePolicy"));
        Assert.Equal(defaults.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), Scalar(values, "timeoutSeconds"));
        Assert.Equal(defaults.Image, Scalar(values, "image"));
        Assert.Equal("v2", Scalar(Yaml(Path.Combine(chart, "Chart.yaml")), "apiVersion"));

        var templates = Directory.GetFiles(Path.Combine(chart, "templates"), "*.yaml").ToDictionary(p => Path.GetFileName(p), File.ReadAllText, StringComparer.Ordinal);
        var all = string.Join("\n", templates.Values);
        var expected = AdmissionManifests.Objects(defaults with { PolicyYaml = "x" });
        foreach (var kind in expected.Select(o => o.Kind))
        {
            Assert.Contains($"kind: {kind}\n", all, StringComparison.Ordinal);
        }

        var webhook = templates["webhook.yaml"];
        foreach (var fixedPart in new[]
        {
            "apiVersion: admissionregistration.k8s.io/v1", "path: /admission/v1/validate", "sideEffects: None", "admissionReviewVersions: [\"v1\"]",
            "matchPolicy: Equivalent", "key: kubernetes.io/metadata.name", "operator: NotIn", "failurePolicy: {{ .Values.failurePolicy }}",
            "timeoutSeconds: {{ .Values.timeoutSeconds }}", "port: 443",
        })
        {
            Assert.Contains(fixedPart, webhook, StringComparison.Ordinal);
        }

        foreach (var (group, resources) in AdmissionManifests.Rules)
        {
            Assert.Contains($"- apiGroups: [\"{group}\"]", webhook, StringComparison.Ordinal);
            Assert.Contains($"resources: [{string.Join(", ", resources.Select(r => $"\"{r}\""))}]", webhook, StringComparison.Ordinal);
        }

        // The server's fixed arguments, in the order the manifests command gives them.
        var fixedArgs = AdmissionManifests.ServerArgs(defaults).TakeWhile(a => a != "--failure-policy").ToList();
        var deployment = templates["deployment.yaml"];
        var listed = deployment.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("- ", StringComparison.Ordinal)).Select(l => l[2..]).ToList();
        var start = listed.IndexOf("server");
        Assert.True(start >= 0, "the deployment template has no server argument list");
        Assert.Equal(fixedArgs, listed.Skip(start).Take(fixedArgs.Count));
        Assert.Contains("secretName: {{ .Values.service }}-tls", deployment, StringComparison.Ordinal);
        Assert.Contains("targetPort: 8443", templates["service.yaml"], StringComparison.Ordinal);
        Assert.Contains("resourceNames: [\"{{ .Values.service }}-tls\"]", templates["rbac.yaml"], StringComparison.Ordinal);
    }

    /// <summary>
    /// helm (installed by scripts/setup.sh) renders and lints the chart; every object it renders equals, field by field,
    /// the one `comb admission manifests` prints for the same settings: once with the chart's defaults, once with every
    /// value set.
    /// </summary>
    [Fact]
    public async Task The_chart_rendered_by_helm_equals_the_manifests_command_field_by_field()
    {
        if (FindOnPath("helm") is not { } helm)
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "helm is not on the PATH: scripts/setup.sh installs it");
            Assert.Skip("helm is not on the PATH (scripts/setup.sh installs it)");
            return;
        }

        var chart = Path.Combine(RepositoryRoot(), "deploy", "helm", "comb");
        Assert.Equal(0, (await RunAsync("admission", "certs", "--service", "guard", "--namespace", "security", "--out", _dir)).Code);
        var ca = await File.ReadAllTextAsync(Path.Combine(_dir, "ca.crt"), Ct);
        var policy = "name: p\nrules:\n  - id: m\n    action: block\n    malware: {}\n";
        var trust = "registries:\n  allow: [\"registry.example\"]\n";

        var defaults = new AdmissionManifestOptions { CaBundlePem = ca };
        var custom = defaults with
        {
            Service = "guard", Namespace = "security", Image = "registry.example/comb:1.0", FailurePolicy = "Ignore", TimeoutSeconds = 7,
            ExcludeNamespaces = ["monitoring", "batch-jobs"], Store = "postgres://comb@db.security/comb", Replicas = 3,
            PolicyYaml = policy, TrustPolicyYaml = trust,
        };
        var customValues = new Dictionary<string, object>
        {
            ["service"] = "guard", ["image"] = "registry.example/comb:1.0", ["failurePolicy"] = "Ignore", ["timeoutSeconds"] = 7,
            ["excludeNamespaces"] = new[] { "monitoring", "batch-jobs" }, ["store"] = "postgres://comb@db.security/comb", ["replicas"] = 3,
            ["policy"] = policy, ["trustPolicy"] = trust,
        };

        foreach (var (options, values) in new[] { (defaults, new Dictionary<string, object>()), (custom, customValues) })
        {
            values["caBundle"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(ca));
            var valuesFile = Path.Combine(_dir, $"values-{options.Service}.yaml");
            await File.WriteAllTextAsync(valuesFile, new YamlDotNet.Serialization.SerializerBuilder().Build().Serialize(values), Ct);

            var (lintCode, lint) = await HelmAsync(helm, "lint", chart, "--strict", "--namespace", options.Namespace, "-f", valuesFile);
            Assert.True(lintCode == 0, lint);
            Assert.Contains("0 chart(s) failed", lint, StringComparison.Ordinal);

            var (code, rendered) = await HelmAsync(helm, "template", "comb", chart, "--namespace", options.Namespace, "-f", valuesFile);
            Assert.True(code == 0, rendered);
            var fromHelm = KubernetesYaml.LoadAllFromString(rendered).Cast<IKubernetesObject>().ToDictionary(Key, StringComparer.Ordinal);
            var fromComb = KubernetesYaml.LoadAllFromString(AdmissionManifests.Yaml(options)).Cast<IKubernetesObject>().ToDictionary(Key, StringComparer.Ordinal);
            Assert.Equal(fromComb.Keys.Order(StringComparer.Ordinal), fromHelm.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, expected) in fromComb)
            {
                var differences = new List<string>();
                Compare(JsonNode.Parse(KubernetesJson.Serialize(expected)), JsonNode.Parse(KubernetesJson.Serialize(fromHelm[key])), key, differences);
                Assert.True(differences.Count == 0, $"{options.Service}: helm and comb differ at\n" + string.Join("\n", differences));
            }
        }
    }

    private static string Key(IKubernetesObject o) => $"{o.Kind}/{((IMetadata<V1ObjectMeta>)o).Metadata.Name}";

    /// <summary>Every path where two JSON trees differ (a missing field, a different value, a different list length).</summary>
    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var name in e.Select(p => p.Key).Union(a.Select(p => p.Key)).Order(StringComparer.Ordinal))
                {
                    Compare(e[name], a[name], $"{path}.{name}", differences);
                }

                break;
            case (JsonArray e, JsonArray a) when e.Count == a.Count:
                for (var i = 0; i < e.Count; i++)
                {
                    Compare(e[i], a[i], $"{path}[{i}]", differences);
                }

                break;
            default:
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    differences.Add($"{path}: comb {expected?.ToJsonString() ?? "(none)"}, helm {actual?.ToJsonString() ?? "(none)"}");
                }

                break;
        }
    }

    private static async Task<(int Code, string Output)> HelmAsync(string helm, params string[] args)
    {
        var start = new ProcessStartInfo(helm, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["HELM_CACHE_HOME"] = start.Environment["HELM_CONFIG_HOME"] = start.Environment["HELM_DATA_HOME"] = Path.GetTempPath();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await error);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    /// <summary>The repository root: up from the test assembly until Comb.slnx.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Comb.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Comb.slnx above {AppContext.BaseDirectory}");
    }

    private static YamlMappingNode Yaml(string path)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(path));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value;

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        var code = await CombApp.RunAsync(args, output, output);
        return (code, output.ToString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // left to the temp cleaner
        }
    }
}
