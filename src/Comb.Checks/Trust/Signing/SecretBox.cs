using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Comb.Checks.Trust.Signing;

/// <summary>
/// NaCl secretbox (XSalsa20 stream cipher + Poly1305 tag) built from BouncyCastle primitives. The first 32 bytes of
/// the keystream key Poly1305; the message is XORed with the keystream from byte 32 on; the box is tag || ciphertext.
/// </summary>
internal static class SecretBox
{
    public const int KeySize = 32;
    public const int NonceSize = 24;
    public const int TagSize = 16;

    public static byte[] Seal(ReadOnlySpan<byte> message, byte[] nonce, byte[] key)
    {
        var (engine, macKey) = Start(nonce, key);
        var box = new byte[TagSize + message.Length];
        engine.ProcessBytes(message.ToArray(), 0, message.Length, box, TagSize);
        Mac(macKey, box.AsSpan(TagSize)).CopyTo(box, 0);
        return box;
    }

    /// <summary>Opens a box; null when the tag does not match (wrong key or tampered data).</summary>
    public static byte[]? Open(ReadOnlySpan<byte> box, byte[] nonce, byte[] key)
    {
        if (box.Length < TagSize)
        {
            return null;
        }

        var (engine, macKey) = Start(nonce, key);
        var expected = Mac(macKey, box[TagSize..]);
        if (!CryptographicOperations.FixedTimeEquals(expected, box[..TagSize]))
        {
            return null;
        }

        var cipher = box[TagSize..].ToArray();
        var message = new byte[cipher.Length];
        engine.ProcessBytes(cipher, 0, cipher.Length, message, 0);
        return message;
    }

    private static (XSalsa20Engine Engine, byte[] MacKey) Start(byte[] nonce, byte[] key)
    {
        if (nonce.Length != NonceSize || key.Length != KeySize)
        {
            throw new ArgumentException("secretbox needs a 32-byte key and a 24-byte nonce");
        }

        var engine = new XSalsa20Engine();
        engine.Init(true, new ParametersWithIV(new KeyParameter(key), nonce));
        var macKey = new byte[32];
        engine.ProcessBytes(new byte[32], 0, 32, macKey, 0);
        return (engine, macKey);
    }

    private static byte[] Mac(byte[] macKey, ReadOnlySpan<byte> data)
    {
        var poly = new Poly1305();
        poly.Init(new KeyParameter(macKey));
        poly.BlockUpdate(data.ToArray(), 0, data.Length);
        var tag = new byte[TagSize];
        poly.DoFinal(tag, 0);
        return tag;
    }
}
