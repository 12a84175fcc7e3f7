using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Comb.Testing.Registry;

/// <summary>Self-signed certificates for loopback services: TLS for the registry and a signing key for the token server.</summary>
public static class TestCertificates
{
    /// <summary>Creates a self-signed RSA certificate for 127.0.0.1 / localhost and writes CRT and KEY as PEM into <paramref name="dir"/>.</summary>
    public static (X509Certificate2 Certificate, RSA Key, string CertPath, string KeyPath) CreateSelfSigned(string dir, string name)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        var certPath = Path.Combine(dir, name + ".crt");
        var keyPath = Path.Combine(dir, name + ".key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        return (certificate, key, certPath, keyPath);
    }
}
