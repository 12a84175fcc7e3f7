using System.Security.Cryptography;
using System.Text;
using Comb.Contracts;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Comb.Checks.Trust.Signing;

/// <summary>A private key that signs payloads the way cosign does.</summary>
public abstract class SigningKey
{
    public abstract string Algorithm { get; }

    public abstract byte[] Sign(ReadOnlySpan<byte> payload);

    /// <summary>DER SubjectPublicKeyInfo of the matching public key.</summary>
    public abstract byte[] PublicKeyInfo();

    public VerificationKey PublicKey() => PublicKeys.FromSubjectPublicKeyInfo(PublicKeyInfo());
}

/// <summary>
/// Reads PEM private keys: PKCS#8 ("PRIVATE KEY", also "ENCRYPTED PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"), PKCS#1
/// ("RSA PRIVATE KEY"), as openssl writes them, and cosign's encrypted format. Passwords come from the caller
/// (the CLI reads COSIGN_PASSWORD).
/// </summary>
public static class SigningKeys
{
    public static SigningKey Parse(string pem, string? password)
    {
        var block = PemBlock.Read(pem, "private key");
        try
        {
            switch (block.Label)
            {
                case "EC PRIVATE KEY":
                    var ec = ECDsa.Create();
                    ec.ImportECPrivateKey(block.Der, out _);
                    return new EcdsaSigningKey(ec);
                case "RSA PRIVATE KEY":
                    var rsa = RSA.Create();
                    rsa.ImportRSAPrivateKey(block.Der, out _);
                    return new RsaSigningKey(rsa);
                case "PRIVATE KEY":
                    return FromPkcs8(block.Der);
                case "ENCRYPTED PRIVATE KEY":
                    return FromEncryptedPkcs8(block.Der, RequirePassword(password));
                case EncryptedSigstoreKey.PemLabel or EncryptedSigstoreKey.LegacyPemLabel:
                    return FromPkcs8(EncryptedSigstoreKey.Decrypt(block.Der, RequirePassword(password)));
                default:
                    throw new CombInputException($"unsupported private key PEM type '{block.Label}'");
            }
        }
        catch (CryptographicException e)
        {
            throw new CombInputException($"private key ({block.Label}) could not be read: {e.Message}", e);
        }
    }

    private static string RequirePassword(string? password) =>
        password ?? throw new CombInputException("the private key is encrypted: set COSIGN_PASSWORD");

    public static SigningKey FromPkcs8(byte[] der)
    {
        var oid = PrivateKeyInfo.GetInstance(der).PrivateKeyAlgorithm.Algorithm.Id;
        switch (oid)
        {
            case "1.2.840.10045.2.1":
                var ec = ECDsa.Create();
                ec.ImportPkcs8PrivateKey(der, out _);
                return new EcdsaSigningKey(ec);
            case "1.2.840.113549.1.1.1":
                var rsa = RSA.Create();
                rsa.ImportPkcs8PrivateKey(der, out _);
                return new RsaSigningKey(rsa);
            case "1.3.101.112":
                return new Ed25519SigningKey((Ed25519PrivateKeyParameters)PrivateKeyFactory.CreateKey(der));
            default:
                throw new CombInputException($"unsupported private key algorithm {oid} (expected ECDSA, RSA or Ed25519)");
        }
    }

    private static SigningKey FromEncryptedPkcs8(byte[] der, string password)
    {
        // Decrypt once with .NET (handles PBES2), then dispatch on the algorithm like an unencrypted key.
        var info = Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(password.ToCharArray(),
            Org.BouncyCastle.Asn1.Pkcs.EncryptedPrivateKeyInfo.GetInstance(der));
        return FromPkcs8(info.GetEncoded());
    }

    /// <summary>A fresh key pair for tests and key generation: ECDSA P-256, cosign's default.</summary>
    public static SigningKey GenerateEcdsaP256() => new EcdsaSigningKey(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    internal static string ToPkcs8Pem(SigningKey key) => key switch
    {
        EcdsaSigningKey e => e.Key.ExportPkcs8PrivateKeyPem(),
        RsaSigningKey r => r.Key.ExportPkcs8PrivateKeyPem(),
        _ => throw new NotSupportedException("export supported for ECDSA and RSA keys"),
    };

    internal static byte[] ToPkcs8(SigningKey key) => key switch
    {
        EcdsaSigningKey e => e.Key.ExportPkcs8PrivateKey(),
        RsaSigningKey r => r.Key.ExportPkcs8PrivateKey(),
        Ed25519SigningKey d => Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(d.Key).GetEncoded(),
        _ => throw new NotSupportedException(),
    };
}

internal sealed class EcdsaSigningKey(ECDsa key) : SigningKey
{
    public ECDsa Key { get; } = key;

    public override string Algorithm => "ecdsa-" + EcdsaVerificationKey.CurveName(Key);

    public override byte[] Sign(ReadOnlySpan<byte> payload) =>
        Key.SignData(payload, EcdsaVerificationKey.HashFor(Key.KeySize), DSASignatureFormat.Rfc3279DerSequence);

    public override byte[] PublicKeyInfo() => Key.ExportSubjectPublicKeyInfo();
}

internal sealed class RsaSigningKey(RSA key) : SigningKey
{
    public RSA Key { get; } = key;

    public override string Algorithm => "rsa-" + Key.KeySize;

    public override byte[] Sign(ReadOnlySpan<byte> payload) => Key.SignData(payload, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public override byte[] PublicKeyInfo() => Key.ExportSubjectPublicKeyInfo();
}

internal sealed class Ed25519SigningKey(Ed25519PrivateKeyParameters key) : SigningKey
{
    public Ed25519PrivateKeyParameters Key { get; } = key;

    public override string Algorithm => "ed25519";

    public override byte[] Sign(ReadOnlySpan<byte> payload)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, Key);
        signer.BlockUpdate(payload.ToArray(), 0, payload.Length);
        return signer.GenerateSignature();
    }

    public override byte[] PublicKeyInfo() =>
        Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(Key.GeneratePublicKey()).GetEncoded();
}
