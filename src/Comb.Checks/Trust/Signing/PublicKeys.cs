using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Comb.Contracts;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Comb.Checks.Trust.Signing;

/// <summary>A public key that can check a signature over a payload, the way cosign signs (hash of the payload).</summary>
public abstract class VerificationKey
{
    protected VerificationKey(byte[] subjectPublicKeyInfo, string algorithm)
    {
        SubjectPublicKeyInfo = subjectPublicKeyInfo;
        Algorithm = algorithm;
        Fingerprint = "SHA256:" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));
    }

    /// <summary>DER SubjectPublicKeyInfo, the form cosign.pub holds.</summary>
    public byte[] SubjectPublicKeyInfo { get; }

    /// <summary>ecdsa-p256, rsa-2048, ed25519...</summary>
    public string Algorithm { get; }

    /// <summary>sha256 of the SubjectPublicKeyInfo DER: a stable name for the key in reports.</summary>
    public string Fingerprint { get; }

    public abstract bool Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature);

    public string ToPem() => PemEncoding.WriteString("PUBLIC KEY", SubjectPublicKeyInfo);
}

/// <summary>Reads PEM public keys (PKIX "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY", or a "CERTIFICATE").</summary>
public static class PublicKeys
{
    public static VerificationKey Parse(string pem)
    {
        var block = PemBlock.Read(pem, "public key");
        var spki = block.Label switch
        {
            "PUBLIC KEY" => block.Der,
            "RSA PUBLIC KEY" => RsaSpkiFromPkcs1(block.Der),
            "CERTIFICATE" => CertificateSpki(block.Der),
            _ => throw new CombInputException($"unsupported public key PEM type '{block.Label}' (expected PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE)"),
        };
        return FromSubjectPublicKeyInfo(spki);
    }

    public static VerificationKey FromSubjectPublicKeyInfo(byte[] spki)
    {
        Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo info;
        try
        {
            info = Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo.GetInstance(spki);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or IOException)
        {
            throw new CombInputException("public key is not a valid SubjectPublicKeyInfo", e);
        }

        var oid = info.Algorithm.Algorithm.Id;
        try
        {
            return oid switch
            {
                "1.2.840.10045.2.1" => new EcdsaVerificationKey(spki),
                "1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.10" => new RsaVerificationKey(spki),
                "1.3.101.112" => new Ed25519VerificationKey(spki),
                _ => throw new CombInputException($"unsupported public key algorithm {oid} (expected ECDSA, RSA or Ed25519)"),
            };
        }
        catch (CryptographicException e)
        {
            throw new CombInputException("public key could not be imported: " + e.Message, e);
        }
    }

    private static byte[] RsaSpkiFromPkcs1(byte[] der)
    {
        using var rsa = RSA.Create();
        rsa.ImportRSAPublicKey(der, out _);
        return rsa.ExportSubjectPublicKeyInfo();
    }

    private static byte[] CertificateSpki(byte[] der)
    {
        using var cert = X509CertificateLoader.LoadCertificate(der);
        return cert.PublicKey.ExportSubjectPublicKeyInfo();
    }
}

internal sealed class EcdsaVerificationKey : VerificationKey
{
    private readonly ECDsa _key;
    private readonly HashAlgorithmName _hash;

    public EcdsaVerificationKey(byte[] spki) : this(spki, Import(spki)) { }

    private EcdsaVerificationKey(byte[] spki, ECDsa key) : base(spki, "ecdsa-" + CurveName(key))
    {
        _key = key;
        _hash = HashFor(key.KeySize);
    }

    private static ECDsa Import(byte[] spki)
    {
        var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        return key;
    }

    internal static string CurveName(ECDsa key) => key.KeySize switch { 256 => "p256", 384 => "p384", 521 => "p521", var n => "p" + n };

    /// <summary>cosign pairs each NIST curve with the hash of its size.</summary>
    internal static HashAlgorithmName HashFor(int keySize) => keySize switch
    {
        384 => HashAlgorithmName.SHA384,
        521 => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };

    public override bool Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        try
        {
            return _key.VerifyData(payload, signature, _hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false; // malformed DER is simply not a valid signature
        }
    }
}

internal sealed class RsaVerificationKey : VerificationKey
{
    private readonly RSA _key;

    public RsaVerificationKey(byte[] spki) : this(spki, Import(spki)) { }

    private RsaVerificationKey(byte[] spki, RSA key) : base(spki, "rsa-" + key.KeySize)
    {
        _key = key;
    }

    private static RSA Import(byte[] spki)
    {
        var key = RSA.Create();
        key.ImportSubjectPublicKeyInfo(spki, out _);
        return key;
    }

    /// <summary>cosign signs RSA with PKCS#1 v1.5 over SHA-256; PSS is accepted too (other sigstore tools use it).</summary>
    public override bool Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        try
        {
            return _key.VerifyData(payload, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                || _key.VerifyData(payload, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

internal sealed class Ed25519VerificationKey : VerificationKey
{
    private readonly Ed25519PublicKeyParameters _key;

    public Ed25519VerificationKey(byte[] spki) : base(spki, "ed25519")
    {
        _key = (Ed25519PublicKeyParameters)PublicKeyFactory.CreateKey(spki);
    }

    public override bool Verify(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        var signer = new Ed25519Signer();
        signer.Init(false, _key);
        signer.BlockUpdate(payload.ToArray(), 0, payload.Length);
        return signer.VerifySignature(signature.ToArray());
    }
}
