using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Comb.Contracts;

namespace Comb.Server.Admission;

/// <summary>
/// The webhook's serving certificate, read from its PEM files and read again when they change (cert-manager and
/// Kubernetes rotate the mounted secret in place), so new TLS connections get the new certificate without a restart;
/// connections already open keep theirs. The files are looked at no more than once per <see cref="CheckInterval"/>,
/// from the handshake that asks. A half-rotated pair (a new certificate with the old key) does not load: the current
/// certificate stays until both files agree.
/// </summary>
public sealed class ServingCertificate
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly string _certFile;
    private readonly string _keyFile;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private X509Certificate2 _current;
    private byte[] _certBytes;
    private byte[] _keyBytes;
    private long _checkedAt;

    private ServingCertificate(string certFile, string keyFile, TimeProvider time, X509Certificate2 current, byte[] certBytes, byte[] keyBytes)
    {
        _certFile = certFile;
        _keyFile = keyFile;
        _time = time;
        _current = current;
        _certBytes = certBytes;
        _keyBytes = keyBytes;
        _checkedAt = time.GetTimestamp();
    }

    /// <summary>Loads the pair; a missing or bad file is an input error naming both.</summary>
    public static ServingCertificate Load(string certFile, string keyFile, TimeProvider time)
    {
        try
        {
            var (cert, key) = (File.ReadAllBytes(certFile), File.ReadAllBytes(keyFile));
            return new ServingCertificate(certFile, keyFile, time, FromPem(cert, key), cert, key);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CombInputException($"cannot load the TLS certificate {certFile} with key {keyFile}: {ex.Message}", ex);
        }
    }

    /// <summary>The certificate for a new connection: the files' current pair, or the last one that loaded.</summary>
    public X509Certificate2 Current
    {
        get
        {
            lock (_gate)
            {
                if (_time.GetElapsedTime(_checkedAt) >= CheckInterval)
                {
                    _checkedAt = _time.GetTimestamp();
                    Refresh();
                }

                return _current;
            }
        }
    }

    private void Refresh()
    {
        try
        {
            var cert = File.ReadAllBytes(_certFile);
            var key = File.ReadAllBytes(_keyFile);
            if (cert.AsSpan().SequenceEqual(_certBytes) && key.AsSpan().SequenceEqual(_keyBytes))
            {
                return;
            }

            // The certificate in use is not disposed: a handshake may still hold it.
            _current = FromPem(cert, key);
            (_certBytes, _keyBytes) = (cert, key);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Mid-rotation or unreadable for a moment: keep serving the certificate that loaded last, and look again later.
        }
    }

    private static X509Certificate2 FromPem(byte[] cert, byte[] key)
    {
        using var pem = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(cert), System.Text.Encoding.ASCII.GetString(key));

        // Through PKCS#12 so the key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
