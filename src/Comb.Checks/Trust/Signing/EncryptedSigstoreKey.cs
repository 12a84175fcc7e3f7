using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;
using Org.BouncyCastle.Crypto.Generators;

namespace Comb.Checks.Trust.Signing;

/// <summary>
/// cosign's own private key file ("ENCRYPTED SIGSTORE PRIVATE KEY", older "ENCRYPTED COSIGN PRIVATE KEY"): a JSON
/// document holding a PKCS#8 key sealed with NaCl secretbox under a key derived from the password with scrypt.
/// </summary>
public static class EncryptedSigstoreKey
{
    public const string PemLabel = "ENCRYPTED SIGSTORE PRIVATE KEY";
    public const string LegacyPemLabel = "ENCRYPTED COSIGN PRIVATE KEY";

    // cosign's defaults for new keys.
    private const int DefaultN = 32768;
    private const int DefaultR = 8;
    private const int DefaultP = 1;

    private sealed record Envelope
    {
        [JsonPropertyName("kdf")] public required Kdf Kdf { get; init; }
        [JsonPropertyName("cipher")] public required Cipher Cipher { get; init; }
        [JsonPropertyName("ciphertext")] public required byte[] Ciphertext { get; init; }
    }

    private sealed record Kdf
    {
        [JsonPropertyName("name")] public required string Name { get; init; }
        [JsonPropertyName("params")] public required KdfParams Params { get; init; }
        [JsonPropertyName("salt")] public required byte[] Salt { get; init; }
    }

    private sealed record KdfParams
    {
        [JsonPropertyName("N")] public int N { get; init; }
        [JsonPropertyName("r")] public int R { get; init; }
        [JsonPropertyName("p")] public int P { get; init; }
    }

    private sealed record Cipher
    {
        [JsonPropertyName("name")] public required string Name { get; init; }
        [JsonPropertyName("nonce")] public required byte[] Nonce { get; init; }
    }

    /// <summary>Opens the JSON body of the PEM block and returns the PKCS#8 private key DER.</summary>
    public static byte[] Decrypt(byte[] json, string password)
    {
        Envelope envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(json) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new CombInputException("encrypted sigstore key: the body is not the expected JSON", e);
        }

        if (envelope.Kdf.Name != "scrypt" || envelope.Cipher.Name != "nacl/secretbox")
        {
            throw new CombInputException($"encrypted sigstore key: unsupported kdf '{envelope.Kdf.Name}' or cipher '{envelope.Cipher.Name}'");
        }

        var p = envelope.Kdf.Params;
        if (p.N < 2 || (p.N & (p.N - 1)) != 0 || p.N > 1 << 20 || p.R is < 1 or > 32 || p.P is < 1 or > 16)
        {
            throw new CombInputException("encrypted sigstore key: scrypt parameters out of range");
        }

        var key = SCrypt.Generate(Encoding.UTF8.GetBytes(password), envelope.Kdf.Salt, p.N, p.R, p.P, SecretBox.KeySize);
        return SecretBox.Open(envelope.Ciphertext, envelope.Cipher.Nonce, key)
            ?? throw new CombInputException("encrypted sigstore key: wrong password (or the key file is corrupt)");
    }

    /// <summary>Seals a PKCS#8 key the way `cosign generate-key-pair` does, returning the PEM text.</summary>
    public static string Encrypt(byte[] pkcs8, string password, int n = DefaultN)
    {
        var salt = RandomNumberGenerator.GetBytes(32);
        var nonce = RandomNumberGenerator.GetBytes(SecretBox.NonceSize);
        var key = SCrypt.Generate(Encoding.UTF8.GetBytes(password), salt, n, DefaultR, DefaultP, SecretBox.KeySize);
        var envelope = new Envelope
        {
            Kdf = new Kdf { Name = "scrypt", Params = new KdfParams { N = n, R = DefaultR, P = DefaultP }, Salt = salt },
            Cipher = new Cipher { Name = "nacl/secretbox", Nonce = nonce },
            Ciphertext = SecretBox.Seal(pkcs8, nonce, key),
        };
        return PemEncoding.WriteString(PemLabel, JsonSerializer.SerializeToUtf8Bytes(envelope));
    }
}
