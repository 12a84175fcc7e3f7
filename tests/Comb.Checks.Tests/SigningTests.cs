using System.Security.Cryptography;
using System.Text;
using Comb.Checks.Trust.Signing;
using Comb.Contracts;

namespace Comb.Checks.Tests;

public sealed class SigningTests
{
    private static readonly string Keys = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keys");
    private static readonly string ImageDigest = "sha256:" + new string('a', 64);

    private static string Key(string name) => File.ReadAllText(Path.Combine(Keys, name));

    [Theory]
    [InlineData("ec-sec1.pem", "ec.pub", "ecdsa-p256")]
    [InlineData("ec-pkcs8.pem", "ec.pub", "ecdsa-p256")]
    [InlineData("rsa-pkcs8.pem", "rsa.pub", "rsa-2048")]
    [InlineData("rsa-pkcs1.pem", "rsa.pub", "rsa-2048")]
    [InlineData("ed25519-pkcs8.pem", "ed25519.pub", "ed25519")]
    public void Openssl_private_keys_sign_what_their_public_keys_verify(string privateKey, string publicKey, string algorithm)
    {
        var signer = SigningKeys.Parse(Key(privateKey), password: null);
        var verifier = PublicKeys.Parse(Key(publicKey));
        var payload = SimpleSigningPayload.Create("registry.test/app", ImageDigest);

        var signature = signer.Sign(payload);

        Assert.Equal(algorithm, signer.Algorithm);
        Assert.Equal(algorithm, verifier.Algorithm);
        Assert.True(verifier.Verify(payload, signature));
        Assert.Equal(verifier.Fingerprint, signer.PublicKey().Fingerprint);
        var tampered = payload.ToArray();
        tampered[^3] ^= 1;
        Assert.False(verifier.Verify(tampered, signature));
    }

    [Theory]
    [InlineData("ec.pub", "payload.ec.sig.b64")]
    [InlineData("rsa.pub", "payload.rsa.sig.b64")]
    [InlineData("rsa.pub", "payload.rsa-pss.sig.b64")]
    [InlineData("ed25519.pub", "payload.ed25519.sig.b64")]
    public void Verifies_signatures_openssl_made(string publicKey, string signatureFile)
    {
        var payload = File.ReadAllBytes(Path.Combine(Keys, "payload.json"));
        var signature = Convert.FromBase64String(Key(signatureFile).Trim());

        Assert.True(PublicKeys.Parse(Key(publicKey)).Verify(payload, signature));
        Assert.False(PublicKeys.Parse(Key(publicKey == "ec.pub" ? "rsa.pub" : "ec.pub")).Verify(payload, signature));
    }

    [Fact]
    public void Verifies_a_signature_cosign_made()
    {
        // Published cosign output (containers/image test data): see Fixtures/cosign-external/README.md.
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "cosign-external");
        var payload = File.ReadAllBytes(Path.Combine(dir, "payload.json"));
        var layer = new SignatureLayer(payload, new Dictionary<string, string>
        {
            [SignatureLayer.SignatureAnnotation] = File.ReadAllText(Path.Combine(dir, "signature.b64")).Trim(),
        });
        var key = PublicKeys.Parse(File.ReadAllText(Path.Combine(dir, "signer-cert.pem")));
        const string digest = "sha256:fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f";

        var check = CosignSignatures.Verify([layer], digest, [("fulcio-leaf", key)]);

        Assert.Equal("valid", check.Status);
        Assert.Equal("ecdsa-p256", key.Algorithm);
        Assert.Equal("invalid", CosignSignatures.Verify([layer], ImageDigest, [("fulcio-leaf", key)]).Status);
        var parsed = SimpleSigningPayload.Parse(payload);
        Assert.Equal("192.168.64.2:5000/test-repo-2100826901021538654/alpine", parsed.DockerReference);
    }

    [Fact]
    public void Reads_openssl_encrypted_pkcs8_with_the_password()
    {
        var key = SigningKeys.Parse(Key("ec-encrypted-pkcs8.pem"), "hunter2");
        Assert.Equal(PublicKeys.Parse(Key("ec.pub")).Fingerprint, key.PublicKey().Fingerprint);
        Assert.Throws<CombInputException>(() => SigningKeys.Parse(Key("ec-encrypted-pkcs8.pem"), password: null));
    }

    [Fact]
    public void Cosign_encrypted_keys_round_trip_and_reject_a_wrong_password()
    {
        var original = SigningKeys.Parse(Key("ec-pkcs8.pem"), null);
        // Low scrypt cost keeps the test quick; the reader takes whatever cost the file names.
        var pem = EncryptedSigstoreKey.Encrypt(SigningKeys.ToPkcs8(original), "correct horse", n: 1024);

        Assert.StartsWith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", pem, StringComparison.Ordinal);
        var reopened = SigningKeys.Parse(pem, "correct horse");
        Assert.Equal(original.PublicKey().Fingerprint, reopened.PublicKey().Fingerprint);

        var error = Assert.Throws<CombInputException>(() => SigningKeys.Parse(pem, "wrong"));
        Assert.Contains("wrong password", error.Message, StringComparison.Ordinal);
        Assert.Throws<CombInputException>(() => SigningKeys.Parse(pem, null));
    }

    [Fact]
    public void Opens_a_key_cosign_generated()
    {
        var pem = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "cosign-external", "cosign-encrypted.key"));

        var key = SigningKeys.Parse(pem, password: "");

        Assert.Equal("ecdsa-p256", key.Algorithm);
        var payload = SimpleSigningPayload.Create("registry.test/app", ImageDigest);
        Assert.True(key.PublicKey().Verify(payload, key.Sign(payload)));
        Assert.Throws<CombInputException>(() => SigningKeys.Parse(pem, password: "not-empty"));
    }

    [Fact]
    public void Secretbox_matches_the_nacl_construction()
    {
        // Known answer from the NaCl distribution's secretbox test (tests/secretbox.c), first 32 bytes of message.
        var key = Convert.FromHexString("1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
        var nonce = Convert.FromHexString("69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
        var message = Convert.FromHexString("be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffc");

        var box = SecretBox.Seal(message, nonce, key);

        Assert.Equal("8e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186a", Convert.ToHexStringLower(box.AsSpan(16, 32)));
        Assert.Equal(message, SecretBox.Open(box, nonce, key));
        box[20] ^= 1;
        Assert.Null(SecretBox.Open(box, nonce, key));
    }

    [Fact]
    public void Payload_parsing_is_strict_about_critical_and_lenient_about_key_case()
    {
        var ok = Encoding.UTF8.GetBytes("""{"critical":{"identity":{"docker-reference":"r"},"image":{"Docker-manifest-digest":"sha256:1"},"type":"cosign container image signature"},"optional":{"creator":"x"}}""");
        Assert.Equal("sha256:1", SimpleSigningPayload.Parse(ok).ManifestDigest);
        Assert.Equal("x", SimpleSigningPayload.Parse(ok).Optional["creator"]);

        Assert.Throws<FormatException>(() => SimpleSigningPayload.Parse(Encoding.UTF8.GetBytes("""{"critical":{"image":{"docker-manifest-digest":"sha256:1"},"type":"t","extra":1},"optional":null}""")));
        Assert.Throws<FormatException>(() => SimpleSigningPayload.Parse(Encoding.UTF8.GetBytes("""{"critical":{"image":{}, "type":"t"},"optional":null}""")));
        Assert.Throws<FormatException>(() => SimpleSigningPayload.Parse(Encoding.UTF8.GetBytes("not json")));
    }

    [Fact]
    public void Payload_has_the_shape_cosign_writes()
    {
        var text = Encoding.UTF8.GetString(SimpleSigningPayload.Create("registry.test/app", ImageDigest));
        Assert.Equal("{\"critical\":{\"identity\":{\"docker-reference\":\"registry.test/app\"},\"image\":{\"docker-manifest-digest\":\"" + ImageDigest
            + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}", text);
    }

    [Fact]
    public async Task In_memory_round_trip_valid_tampered_wrong_key_and_missing()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemorySignatureStore();
        var signer = SigningKeys.Parse(Key("ec-pkcs8.pem"), null);
        var trusted = new[] { ("release", PublicKeys.Parse(Key("ec.pub"))) };
        var other = new[] { ("other", PublicKeys.Parse(Key("rsa.pub"))) };

        Assert.Equal("missing", (await CosignSignatures.VerifyAsync(store, ImageDigest, trusted, ct)).Status);

        await CosignSignatures.SignAsync(store, "registry.test/app", ImageDigest, signer, null, ct);
        var valid = await CosignSignatures.VerifyAsync(store, ImageDigest, trusted, ct);
        Assert.Equal("valid", valid.Status);
        Assert.Equal("release", valid.KeyName);

        Assert.Equal("invalid", (await CosignSignatures.VerifyAsync(store, ImageDigest, other, ct)).Status);

        var layer = (await store.GetAsync(ImageDigest, ct))[0];
        var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(layer.Payload).Replace(ImageDigest, "sha256:" + new string('b', 64), StringComparison.Ordinal));
        await store.PutAsync(ImageDigest, [layer with { Payload = forged }], ct);
        var tampered = await CosignSignatures.VerifyAsync(store, ImageDigest, trusted, ct);
        Assert.Equal("invalid", tampered.Status);
        Assert.Contains("altered", tampered.Details[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_genuine_signature_for_another_digest_does_not_count()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new InMemorySignatureStore();
        var signer = SigningKeys.Parse(Key("ed25519-pkcs8.pem"), null);
        var otherDigest = "sha256:" + new string('c', 64);
        await CosignSignatures.SignAsync(store, "registry.test/app", otherDigest, signer, null, ct);
        // Replay the other image's signature set under this digest.
        await store.PutAsync(ImageDigest, await store.GetAsync(otherDigest, ct), ct);

        var check = await CosignSignatures.VerifyAsync(store, ImageDigest, [("k", signer.PublicKey())], ct);

        Assert.Equal("invalid", check.Status);
        Assert.Contains("not this image", check.Details[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_unusable_key_files_clearly()
    {
        Assert.Throws<CombInputException>(() => PublicKeys.Parse("not a key"));
        Assert.Throws<CombInputException>(() => PublicKeys.Parse(Key("ec-sec1.pem")));
        Assert.Throws<CombInputException>(() => SigningKeys.Parse(Key("ec.pub"), null));
        var dsa = PemEncoding.WriteString("PUBLIC KEY", Convert.FromBase64String("MAo="));
        Assert.Throws<CombInputException>(() => PublicKeys.Parse(dsa));
    }

    [Fact]
    public void Signature_tags_follow_cosign() =>
        Assert.Equal("sha256-" + new string('a', 64) + ".sig", SignatureTags.For(ImageDigest));
}
