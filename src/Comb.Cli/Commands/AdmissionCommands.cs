using System.CommandLine;
using System.Globalization;
using Comb.Contracts;
using Comb.Server.Admission;

namespace Comb.Cli.Commands;

/// <summary>
/// comb admission certs / manifests (installing the Kubernetes webhook), and the admission options of comb server.
/// </summary>
internal static class AdmissionCommands
{
    public static Command Build()
    {
        var admission = new Command("admission", "Kubernetes admission webhook: certificates and installation manifests");
        admission.Subcommands.Add(BuildCerts());
        admission.Subcommands.Add(BuildManifests());
        return admission;
    }

    private static Command BuildCerts()
    {
        var service = new Option<string>("--service") { Description = "The webhook's Service name", DefaultValueFactory = _ => "comb-admission" };
        var ns = new Option<string>("--namespace") { Description = "The Service's namespace", DefaultValueFactory = _ => "comb-system" };
        var output = new Option<string>("--out") { Description = "Directory for ca.crt, ca.key, tls.crt, tls.key", DefaultValueFactory = _ => "." };
        var sans = new Option<string[]>("--san") { Description = "More DNS names or IP addresses for the serving certificate (repeatable)", AllowMultipleArgumentsPerToken = false };
        var days = new Option<int>("--days") { Description = "Validity of the serving certificate in days", DefaultValueFactory = _ => 365 };
        var command = new Command("certs", "Write a CA and a serving certificate for the webhook Service (SANs: NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local)")
        {
            service, ns, output, sans, days,
        };
        command.SetAction(async (parse, ct) =>
        {
            var name = CheckName(parse.GetValue(service)!, "--service");
            var space = CheckName(parse.GetValue(ns)!, "--namespace");
            if (parse.GetValue(days) is < 1 or > 3650)
            {
                throw new CombInputException("--days must be 1-3650");
            }

            var set = AdmissionCertificates.Create(name, space, parse.GetValue(sans) ?? [], TimeSpan.FromDays(parse.GetValue(days)), TimeProvider.System);
            var dir = Path.GetFullPath(parse.GetValue(output)!);
            await set.WriteAsync(dir, ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"wrote {AdmissionCertificateSet.CaCertificateFile}, {AdmissionCertificateSet.CaKeyFile}, "
                + $"{AdmissionCertificateSet.CertificateFile}, {AdmissionCertificateSet.KeyFile} to {dir}");
            await parse.InvocationConfiguration.Output.WriteLineAsync($"next: kubectl -n {space} create secret tls {name}-tls --cert {Path.Combine(dir, AdmissionCertificateSet.CertificateFile)} --key {Path.Combine(dir, AdmissionCertificateSet.KeyFile)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildManifests()
    {
        var service = new Option<string>("--service") { Description = "The webhook's Service name", DefaultValueFactory = _ => "comb-admission" };
        var ns = new Option<string>("--namespace") { Description = "The namespace Comb runs in", DefaultValueFactory = _ => "comb-system" };
        var ca = new Option<string>("--ca") { Description = "The CA certificate (PEM) for caBundle", DefaultValueFactory = _ => AdmissionCertificateSet.CaCertificateFile };
        var image = new Option<string>("--image") { Description = "Comb's container image", DefaultValueFactory = _ => "comb:latest" };
        var failure = new Option<string>("--failure-policy") { Description = "Fail (deny when Comb cannot decide) or Ignore (allow with a warning)", DefaultValueFactory = _ => "Fail" };
        failure.AcceptOnlyFromAmong("Fail", "Ignore");
        var timeout = new Option<int>("--timeout-seconds") { Description = "The API server's timeout for the webhook (1-30)", DefaultValueFactory = _ => 10 };
        var exclude = new Option<string[]>("--exclude-namespace") { Description = "A namespace never judged (repeatable; kube-system and Comb's own always are)" };
        var store = new Option<string?>("--store") { Description = "A store shared by replicas (postgres://...)" };
        var replicas = new Option<int>("--replicas") { Description = "Replicas (more than 1 wants --store postgres://...)", DefaultValueFactory = _ => 1 };
        var policy = new Option<string?>("--policy") { Description = "Policy file shipped in a ConfigMap and used by the server" };
        var trust = new Option<string?>("--trust-policy") { Description = "Trust policy file shipped in the same ConfigMap (keys inline as pem:)" };
        var command = new Command("manifests", "Print the ValidatingWebhookConfiguration, Deployment, Service and RBAC (YAML) for `kubectl apply -f -`")
        {
            service, ns, ca, image, failure, timeout, exclude, store, replicas, policy, trust,
        };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(timeout) is < 1 or > 30)
            {
                throw new CombInputException("--timeout-seconds must be 1-30, as Kubernetes allows");
            }

            var options = new AdmissionManifestOptions
            {
                Service = CheckName(parse.GetValue(service)!, "--service"),
                Namespace = CheckName(parse.GetValue(ns)!, "--namespace"),
                Image = parse.GetValue(image)!,
                CaBundlePem = await ReadPemAsync(parse.GetValue(ca)!, ct),
                FailurePolicy = parse.GetValue(failure)!,
                TimeoutSeconds = parse.GetValue(timeout),
                ExcludeNamespaces = [.. (parse.GetValue(exclude) ?? []).Select(n => CheckName(n, "--exclude-namespace"))],
                Store = parse.GetValue(store),
                Replicas = Math.Max(1, parse.GetValue(replicas)),
                PolicyYaml = parse.GetValue(policy) is { } p ? await ReadAsync(p, ct) : null,
                TrustPolicyYaml = parse.GetValue(trust) is { } t ? await ReadAsync(t, ct) : null,
            };
            await parse.InvocationConfiguration.Output.WriteAsync(AdmissionManifests.Yaml(options));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Adds --admission and its options to `comb server`; the returned function turns them into the server's arguments.</summary>
    public static Func<ParseResult, IEnumerable<string>> AddServerOptions(Command server)
    {
        var enabled = new Option<bool>("--admission") { Description = "Serve the Kubernetes admission webhook POST /admission/v1/validate (HTTPS on --listen)" };
        var cert = new Option<string?>("--tls-cert") { Description = "Serving certificate (PEM), e.g. from `comb admission certs`" };
        var key = new Option<string?>("--tls-key") { Description = "Its private key (PEM)" };
        var policy = new Option<string?>("--policy") { Description = "Policy admission decides with (FILE or default)" };
        var trust = new Option<string?>("--trust-policy") { Description = "Trust policy: registries, base images, signing keys" };
        var failure = new Option<string>("--failure-policy") { Description = "As the webhook configuration: Fail or Ignore", DefaultValueFactory = _ => "Fail" };
        failure.AcceptOnlyFromAmong("Fail", "Ignore");
        var timeout = new Option<double>("--admission-timeout") { Description = "The webhook's timeoutSeconds (when the API server sends no ?timeout=)", DefaultValueFactory = _ => 10 };
        var exclude = new Option<string[]>("--exclude-namespace") { Description = "A namespace never judged (repeatable)" };
        var insecure = new Option<bool>("--insecure-registry") { Description = "Allow plain HTTP and self-signed TLS for the server's own pulls" };
        var username = new Option<string?>("--username") { Description = "Registry username for the server's own pulls (or COMB_USERNAME)" };
        var password = new Option<string?>("--password") { Description = "Registry password (or COMB_PASSWORD)" };
        var platform = new Option<string?>("--platform") { Description = "os/arch[/variant] chosen from multi-platform images" };
        foreach (var option in new Option[] { enabled, cert, key, policy, trust, failure, timeout, exclude, insecure, username, password, platform })
        {
            server.Options.Add(option);
        }

        return parse =>
        {
            const string s = AdmissionSettings.Section;
            var args = new List<string>();
            void Set(string name, string? value)
            {
                if (value is not null)
                {
                    args.Add($"--{s}:{name}={value}");
                }
            }

            var on = parse.GetValue(enabled);
            Set(nameof(AdmissionSettings.Enabled), on ? "true" : null);
            Set(nameof(AdmissionSettings.TlsCert), parse.GetValue(cert) is { } c ? Path.GetFullPath(c) : null);
            Set(nameof(AdmissionSettings.TlsKey), parse.GetValue(key) is { } k ? Path.GetFullPath(k) : null);
            Set(nameof(AdmissionSettings.Policy), parse.GetValue(policy) is { } p ? (p == "default" && !File.Exists(p) ? p : Path.GetFullPath(p)) : null);
            Set(nameof(AdmissionSettings.TrustPolicy), parse.GetValue(trust) is { } t ? Path.GetFullPath(t) : null);
            Set(nameof(AdmissionSettings.FailurePolicy), parse.GetValue(failure));
            Set(nameof(AdmissionSettings.TimeoutSeconds), parse.GetValue(timeout).ToString(CultureInfo.InvariantCulture));
            Set(nameof(AdmissionSettings.InsecureRegistry), parse.GetValue(insecure) ? "true" : null);
            Set(nameof(AdmissionSettings.Username), parse.GetValue(username));
            Set(nameof(AdmissionSettings.Password), parse.GetValue(password));
            Set(nameof(AdmissionSettings.Platform), parse.GetValue(platform));
            var i = 0;
            foreach (var ns in parse.GetValue(exclude) ?? [])
            {
                Set($"{nameof(AdmissionSettings.ExcludeNamespaces)}:{i++}", ns);
            }

            if (!on && (parse.GetValue(cert) is not null || parse.GetValue(key) is not null))
            {
                throw new CombInputException("--tls-cert and --tls-key are for --admission");
            }

            return args;
        };
    }

    /// <summary>A Kubernetes name (RFC 1123 label): what Services and namespaces must be.</summary>
    private static string CheckName(string name, string option) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
            ? name
            : throw new CombInputException($"{option} '{name}' is not a valid Kubernetes name (lower-case letters, digits and '-', at most 63)");

    private static async Task<string> ReadPemAsync(string path, CancellationToken ct)
    {
        var pem = await ReadAsync(path, ct);
        if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new CombInputException($"{path} holds no PEM certificate (make one with `comb admission certs`)");
        }

        return pem;
    }

    private static async Task<string> ReadAsync(string path, CancellationToken ct)
    {
        try
        {
            return await File.ReadAllTextAsync(path, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CombInputException($"cannot read {path}: {ex.Message}", ex);
        }
    }
}
