using System.Text;
using Comb.Checks.Trust;
using Comb.Checks.Trust.Signing;
using Comb.Contracts;
using Comb.Image.Registry;
using Comb.Testing.Registry;

namespace Comb.Checks.Tests;

/// <summary>A real docker-registry on loopback, shared by the signature round-trip tests.</summary>
public sealed class SignatureRegistryFixture : IAsyncLifetime
{
    private RegistryServer? _server;

    public RegistryServer Server => _server ?? throw new InvalidOperationException("registry not started");

    public async ValueTask InitializeAsync() => _server = await RegistryServer.StartAsync(RegistryMode.Anonymous, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

public sealed class RegistrySignatureTests(SignatureRegistryFixture fixture) : IClassFixture<SignatureRegistryFixture>
{
    private static readonly string KeyDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keys");

    private static SigningKey Signer(string file) => SigningKeys.Parse(File.ReadAllText(Path.Combine(KeyDir, file)), null);

    private static (string, VerificationKey) Trusted(string file) => (file, PublicKeys.Parse(File.ReadAllText(Path.Combine(KeyDir, file))));

    private async Task<(RegistryClient Client, string Digest)> PushImageAsync(string repository)
    {
        var client = fixture.Server.CreateClient();
        var image = new PushableImageBuilder().WithUser("app").WithLayer(("etc/os-release", "ID=combtest\n"), ("app/" + repository, repository)).Build();
        var digest = await TestImagePusher.PushAsync(client, repository, "1.0", image, cancellationToken: TestContext.Current.CancellationToken);
        return (client, digest);
    }

    [Fact]
    public async Task Signs_and_verifies_through_the_registry()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, digest) = await PushImageAsync("signed/app");
        using var _ = client;
        var store = new RegistrySignatureStore(client, "signed/app");

        await CosignSignatures.SignAsync(store, $"{fixture.Server.Host}/signed/app", digest, Signer("ec-sec1.pem"), null, ct);
        await CosignSignatures.SignAsync(store, $"{fixture.Server.Host}/signed/app", digest, Signer("ed25519-pkcs8.pem"), new Dictionary<string, string> { ["team"] = "payments" }, ct);

        // Stored the way cosign stores it: a manifest under the .sig tag, one simple-signing layer per signature.
        var manifest = await client.GetManifestAsync("signed/app", SignatureTags.For(digest), ct);
        var text = Encoding.UTF8.GetString(manifest.Content);
        Assert.Contains("application/vnd.dev.cosign.simplesigning.v1+json", text, StringComparison.Ordinal);
        Assert.Contains("dev.cosignproject.cosign/signature", text, StringComparison.Ordinal);

        var layers = await store.GetAsync(digest, ct);
        Assert.Equal(2, layers.Count);
        Assert.Equal("payments", SimpleSigningPayload.Parse(layers[1].Payload).Optional["team"]);

        var ec = await CosignSignatures.VerifyAsync(store, digest, [Trusted("ec.pub")], ct);
        var ed = await CosignSignatures.VerifyAsync(store, digest, [Trusted("ed25519.pub")], ct);
        Assert.Equal(("valid", "ec.pub"), (ec.Status, ec.KeyName));
        Assert.Equal(("valid", "ed25519.pub"), (ed.Status, ed.KeyName));
    }

    [Fact]
    public async Task Wrong_key_is_invalid_and_unsigned_is_missing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, digest) = await PushImageAsync("keys/app");
        using var _ = client;
        var store = new RegistrySignatureStore(client, "keys/app");

        Assert.Equal("missing", (await CosignSignatures.VerifyAsync(store, digest, [Trusted("ec.pub")], ct)).Status);

        await CosignSignatures.SignAsync(store, "keys/app", digest, Signer("rsa-pkcs1.pem"), null, ct);

        Assert.Equal("invalid", (await CosignSignatures.VerifyAsync(store, digest, [Trusted("ec.pub")], ct)).Status);
        Assert.Equal("valid", (await CosignSignatures.VerifyAsync(store, digest, [Trusted("ec.pub"), Trusted("rsa.pub")], ct)).Status);
    }

    [Fact]
    public async Task A_tampered_payload_in_the_registry_is_invalid()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, digest) = await PushImageAsync("tampered/app");
        using var _ = client;
        var store = new RegistrySignatureStore(client, "tampered/app");
        await CosignSignatures.SignAsync(store, "tampered/app", digest, Signer("ec-pkcs8.pem"), null, ct);

        // An attacker re-points the payload at their identity but cannot re-sign: keep the old signature annotation.
        var layer = (await store.GetAsync(digest, ct))[0];
        var forged = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(layer.Payload).Replace("tampered/app", "evil/app", StringComparison.Ordinal));
        await store.PutAsync(digest, [layer with { Payload = forged }], ct);

        var check = await CosignSignatures.VerifyAsync(store, digest, [Trusted("ec.pub")], ct);

        Assert.Equal("invalid", check.Status);
        Assert.Contains("altered", Assert.Single(check.Details), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_trust_stage_checks_signatures_in_the_image_registry()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, digest) = await PushImageAsync("trust/app");
        using var _ = client;
        await CosignSignatures.SignAsync(new RegistrySignatureStore(client, "trust/app"), "trust/app", digest, Signer("ec-sec1.pem"), null, ct);
        var image = TestImages.Img(reference: $"{fixture.Server.Host}/trust/app:1.0", manifestDigest: digest) with { Registry = fixture.Server.Host, Repository = "trust/app" };
        var policy = TrustPolicyLoader.Parse($"registries: [\"{fixture.Server.Host}/trust/*\"]\nkeys:\n  - {{ name: release, path: ec.pub }}\n", KeyDir, out var errors);
        Assert.Empty(errors);
        using var stores = new RegistrySignatureStores(new RegistryCredentialResolver(_ => null));

        var result = await new TrustEvaluator(stores).EvaluateAsync(policy, image, new ScanOptions { InsecureRegistry = true }, ct);

        Assert.True(result.Trusted, string.Join("\n", result.Reasons));
        Assert.Equal("valid", result.SignatureStatus);
        Assert.Contains(result.Reasons, r => r.StartsWith("registry:", StringComparison.Ordinal));
        Assert.Contains(result.Reasons, r => r.StartsWith("signature: valid", StringComparison.Ordinal));

        var unsigned = image with { ManifestDigest = "sha256:" + new string('0', 64) };
        var missing = await new TrustEvaluator(stores).EvaluateAsync(policy, unsigned, new ScanOptions { InsecureRegistry = true }, ct);
        Assert.False(missing.Trusted);
        Assert.Equal("missing", missing.SignatureStatus);
    }
}
