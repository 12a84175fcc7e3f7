using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text;
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
    /// The chart renders the same objects. helm is not installed on the machines these tests run on, so the static
    /// parts of its templates and its values are checked against `comb admission manifests`; with helm on the PATH the
    /// chart is also rendered and parsed.
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

        if (FindOnPath("helm") is { } helm)
        {
            var rendered = await RenderAsync(helm, chart);
            var objects = KubernetesYaml.LoadAllFromString(rendered);
            Assert.Equal(expected.Select(o => o.Kind).Where(k => k != "ConfigMap").Order(), objects.Select(o => ((IKubernetesObject)o).Kind).Order());
        }
    }

    private static async Task<string> RenderAsync(string helm, string chart)
    {
        var start = new ProcessStartInfo(helm, ["template", "comb", chart, "--namespace", "comb-system", "--set", "caBundle=Zm9v"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, await process.StandardError.ReadToEndAsync(Ct));
        return output;
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
