using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Comb.Cli;
using Comb.Server.Admission;
using Comb.Server.Auth;
using Comb.Testing.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Comb.Server.Tests.Admission;

/// <summary>
/// What the admission tests share: the scan kit (a real registry on loopback and a small advisory database), a CA and
/// serving certificate from <see cref="AdmissionCertificates"/>, a cosign key, a policy and trust policy, and images
/// pushed to the registry: clean, vulnerable (a warn rule), with a secret (a block rule), unsigned, and from an
/// untrusted repository. Trusted images are signed with `comb sign`.
/// </summary>
public sealed class AdmissionKit : IAsyncLifetime
{
    private readonly ScanKit _scan = new();

    public string Root => _scan.Root;
    public RegistryServer Registry => _scan.Registry;
    public string CertDir => Path.Combine(Root, "admission-certs");
    public X509Certificate2 Ca { get; private set; } = null!;
    public string PolicyFile => Path.Combine(Root, "admission-policy.yaml");
    public string TrustPolicyFile => Path.Combine(Root, "admission-trust.yaml");
    public string SigningKeyFile => Path.Combine(Root, "cosign.key");

    public string Clean => $"{Registry.Host}/trusted/clean:1.0";
    public string Vulnerable => $"{Registry.Host}/trusted/vulnerable:1.0";
    public string WithSecret => $"{Registry.Host}/trusted/secret:1.0";
    public string Unsigned => $"{Registry.Host}/trusted/unsigned:1.0";
    public string Untrusted => $"{Registry.Host}/elsewhere/app:1.0";

    /// <summary>Manifest digests of the pushed images, by reference.</summary>
    public Dictionary<string, string> Digests { get; } = new(StringComparer.Ordinal);

    public async ValueTask InitializeAsync()
    {
        await _scan.InitializeAsync();
        var certs = AdmissionCertificates.Create("comb-admission", "comb-system", ["127.0.0.1"], TimeSpan.FromDays(2), TimeProvider.System);
        await certs.WriteAsync(CertDir, CancellationToken.None);
        Ca = X509Certificate2.CreateFromPem(certs.CaCertificate);

        using var signing = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyFile = SigningKeyFile;
        await File.WriteAllTextAsync(keyFile, signing.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(PolicyFile, """
            name: admission-test
            rules:
              - id: block-untrusted
                action: block
                description: images must come from a trusted registry and carry a valid signature
                trust: { untrusted: true }
              - id: block-secrets
                action: block
                description: no live credentials in images
                secrets: { min-severity: high }
              - id: warn-vulnerable
                action: warn
                description: known vulnerabilities
                vulnerabilities: {}
            """);
        var pem = signing.ExportSubjectPublicKeyInfoPem().Replace("\n", "\n      ", StringComparison.Ordinal);
        await File.WriteAllTextAsync(TrustPolicyFile, $"""
            registries: ["{Registry.Host}/trusted/*"]
            keys:
              - name: release
                pem: |
                  {pem}
            """);

        const string os = "ID=alpine\nVERSION_ID=3.20.0\n";
        await PushAsync(Clean, new PushableImageBuilder().WithLayer(("etc/os-release", os), ("lib/apk/db/installed", "P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\n")));
        await PushAsync(Vulnerable, new PushableImageBuilder().WithLayer(("etc/os-release", os), ("lib/apk/db/installed", "P:zlib\nV:1.3-r0\nA:x86_64\no:zlib\n\n")));
        await PushAsync(WithSecret, new PushableImageBuilder().WithLayer(("etc/os-release", os), ("app/.env", "AWS_ACCESS_KEY_ID=AKIAQYLPMN5HHHFPZAM7\n")));
        await PushAsync(Unsigned, new PushableImageBuilder().WithLayer(("etc/os-release", os), ("app/unsigned.txt", "nobody signed me\n")));
        await PushAsync(Untrusted, new PushableImageBuilder().WithLayer(("etc/os-release", os), ("app/else.txt", "from elsewhere\n")));
        foreach (var image in new[] { Clean, Vulnerable, WithSecret })
        {
            using var output = new StringWriter();
            var code = await CombApp.RunAsync(["sign", "--key", keyFile, "--insecure-registry", image], output, output);
            Assert.True(code == 0, $"signing {image} failed: {output}");
        }
    }

    /// <summary>Pushes one more image (distinct content per call) and returns its reference.</summary>
    public async Task<string> PushAsync(string reference, PushableImageBuilder builder)
    {
        using var client = Registry.CreateClient();
        var name = reference[(Registry.Host.Length + 1)..];
        var colon = name.LastIndexOf(':');
        Digests[reference] = await TestImagePusher.PushAsync(client, name[..colon], name[(colon + 1)..], builder.Build());
        return reference;
    }

    /// <summary>
    /// A real server on a free loopback port over HTTPS with the kit's certificate: its own store, the kit's advisory
    /// database, the policies, and <paramref name="workers"/> scan workers; <paramref name="store"/> (a postgres:// URL
    /// shared by replicas) and <paramref name="certDir"/> (a certificate pair of the test's own) when given, and
    /// <paramref name="settings"/> as further configuration.
    /// </summary>
    public async Task<AdmissionServer> StartAsync(string failurePolicy = "Fail", int workers = 1, double marginSeconds = 1.5, string? store = null, string? certDir = null,
        IReadOnlyList<string>? settings = null, params string[] excluded)
    {
        var port = Comb.Testing.Services.ProcessRunner.FreePort();
        store ??= Path.Combine(Root, "stores", Guid.NewGuid().ToString("N") + ".db");
        certDir ??= CertDir;
        var args = new List<string>
        {
            "--listen", $"https://127.0.0.1:{port}",
            "--Comb:CacheDir=" + _scan.CacheDir, "--Comb:Store=" + store, "--Comb:Workers=" + workers, "--Comb:PollSeconds=0.1", "--Comb:LeaseSeconds=5",
            "--Comb:Admission:Enabled=true",
            "--Comb:Admission:TlsCert=" + Path.Combine(certDir, AdmissionCertificateSet.CertificateFile),
            "--Comb:Admission:TlsKey=" + Path.Combine(certDir, AdmissionCertificateSet.KeyFile),
            "--Comb:Admission:Policy=" + PolicyFile, "--Comb:Admission:TrustPolicy=" + TrustPolicyFile,
            "--Comb:Admission:FailurePolicy=" + failurePolicy, "--Comb:Admission:InsecureRegistry=true",
            "--Comb:Admission:MarginSeconds=" + marginSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Default=Warning",
        };
        args.AddRange(settings ?? []);
        for (var i = 0; i < excluded.Length; i++)
        {
            args.Add($"--Comb:Admission:ExcludeNamespaces:{i}={excluded[i]}");
        }

        var app = CombServer.Build([.. args]);
        await app.StartAsync();
        return new AdmissionServer(app, new Uri($"https://127.0.0.1:{port}"), Ca, store);
    }

    public async ValueTask DisposeAsync()
    {
        Ca?.Dispose();
        await _scan.DisposeAsync();
    }
}

/// <summary>A running admission server and HTTPS clients that trust only the kit's CA (and check the host name).</summary>
public sealed class AdmissionServer(WebApplication app, Uri address, X509Certificate2 ca, string store) : IAsyncDisposable
{
    public WebApplication App => app;
    public Uri Address => address;
    public string Store => store;

    public HttpClient Client()
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        return new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>A client with a fresh API token of <paramref name="role"/>.</summary>
    public async Task<HttpClient> ApiClientAsync(string role)
    {
        var client = Client();
        var issued = await app.Services.GetRequiredService<ApiTokens>().CreateAsync(role, "test " + role, "test", CancellationToken.None);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issued.Secret);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
