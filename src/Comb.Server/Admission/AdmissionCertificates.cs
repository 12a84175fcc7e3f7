using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Comb.Server.Admission;

/// <summary>The PEM files `comb admission certs` writes: a CA (its certificate is the webhook's caBundle) and a serving certificate it signed.</summary>
public sealed record AdmissionCertificateSet(string CaCertificate, string CaKey, string Certificate, string Key)
{
    public const string CaCertificateFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const string CertificateFile = "tls.crt";
    public const string KeyFile = "tls.key";

    /// <summary>Writes the four files; keys readable by the owner only. Existing files are replaced.</summary>
    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await WriteFileAsync(Path.Combine(directory, CaCertificateFile), CaCertificate, secret: false, cancellationToken).ConfigureAwait(false);
        await WriteFileAsync(Path.Combine(directory, CaKeyFile), CaKey, secret: true, cancellationToken).ConfigureAwait(false);
        await WriteFileAsync(Path.Combine(directory, CertificateFile), Certificate, secret: false, cancellationToken).ConfigureAwait(false);
        await WriteFileAsync(Path.Combine(directory, KeyFile), Key, secret: true, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteFileAsync(string path, string content, bool secret, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (secret && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(temp, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(content.AsMemory(), cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>Makes the webhook's CA and serving certificate (ECDSA P-256, which the API server accepts).</summary>
public static class AdmissionCertificates
{
    /// <summary>The names the API server uses to reach a Service: name, name.ns, name.ns.svc and the cluster-local form.</summary>
    public static IReadOnlyList<string> ServiceNames(string service, string ns) =>
        [service, $"{service}.{ns}", $"{service}.{ns}.svc", $"{service}.{ns}.svc.cluster.local"];

    /// <param name="extraNames">more DNS names or IP addresses (e.g. 127.0.0.1 for a webhook run outside the cluster).</param>
    public static AdmissionCertificateSet Create(string service, string ns, IEnumerable<string> extraNames, TimeSpan validity, TimeProvider time)
    {
        var now = time.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={service}.{ns} admission CA, O=Comb", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now + validity + TimeSpan.FromDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={service}.{ns}.svc", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in ServiceNames(service, ns).Concat(extraNames).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(name, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(name);
            }
        }

        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var serving = request.Create(ca, now.AddMinutes(-5), now + validity, serial);

        return new AdmissionCertificateSet(ca.ExportCertificatePem() + "\n", caKey.ExportPkcs8PrivateKeyPem() + "\n", serving.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
