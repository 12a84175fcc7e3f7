using Comb.Checks.Commands;
using Comb.Checks.Trust.Signing;
using Comb.Contracts;
using Comb.Image.Registry;
using Comb.Testing.Registry;

namespace Comb.Checks.Tests;

public sealed class CommandHandlerTests(SignatureRegistryFixture fixture) : IClassFixture<SignatureRegistryFixture>
{
    private static readonly string KeyDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "keys");

    private static TrustCommandHandlers Handlers(string? password = null) =>
        new(new RegistryCredentialResolver(_ => null), name => name == TrustCommandHandlers.PasswordVariable ? password : null);

    [Fact]
    public async Task Sign_then_verify_by_tag_with_a_cosign_encrypted_key()
    {
        var ct = TestContext.Current.CancellationToken;
        using (var client = fixture.Server.CreateClient())
        {
            var image = new PushableImageBuilder().WithLayer(("etc/os-release", "ID=combtest\n")).Build();
            await TestImagePusher.PushAsync(client, "cli/app", "2.0", image, cancellationToken: ct);
        }

        var dir = Directory.CreateTempSubdirectory("comb-keys-");
        try
        {
            var keyPath = Path.Combine(dir.FullName, "cosign.key");
            var plain = SigningKeys.Parse(await File.ReadAllTextAsync(Path.Combine(KeyDir, "ec-pkcs8.pem"), ct), null);
            await File.WriteAllTextAsync(keyPath, EncryptedSigstoreKey.Encrypt(SigningKeys.ToPkcs8(plain), "s3cret", n: 1024), ct);
            var reference = $"{fixture.Server.Host}/cli/app:2.0";
            var access = new RegistryAccess(Insecure: true);
            var output = new StringWriter();

            Assert.Equal(ExitCodes.PolicyFailed, await Handlers().VerifyAsync(reference, [Path.Combine(KeyDir, "ec.pub")], access, output, ct));
            Assert.Contains("signature missing", output.ToString(), StringComparison.Ordinal);

            await Assert.ThrowsAsync<CombInputException>(() => Handlers(password: null).SignAsync(reference, keyPath, new Dictionary<string, string>(), access, output, ct));
            await Assert.ThrowsAsync<CombInputException>(() => Handlers("wrong").SignAsync(reference, keyPath, new Dictionary<string, string>(), access, output, ct));
            Assert.Equal(ExitCodes.Success, await Handlers("s3cret").SignAsync(reference, keyPath, new Dictionary<string, string> { ["ci"] = "yes" }, access, output, ct));
            Assert.Contains(".sig", output.ToString(), StringComparison.Ordinal);

            Assert.Equal(ExitCodes.Success, await Handlers().VerifyAsync(reference, [Path.Combine(KeyDir, "ec.pub")], access, output, ct));
            Assert.Equal(ExitCodes.PolicyFailed, await Handlers().VerifyAsync(reference, [Path.Combine(KeyDir, "rsa.pub")], access, output, ct));
            Assert.Contains("signature invalid", output.ToString(), StringComparison.Ordinal);

            // Unknown image and unreadable key are errors (the CLI maps CombInputException to exit code 2).
            await Assert.ThrowsAnyAsync<CombInputException>(() => Handlers().VerifyAsync($"{fixture.Server.Host}/cli/none:1", [Path.Combine(KeyDir, "ec.pub")], access, output, ct));
            await Assert.ThrowsAnyAsync<CombInputException>(() => Handlers().VerifyAsync(reference, [Path.Combine(dir.FullName, "nope.pub")], access, output, ct));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Policy_check_prints_line_numbered_problems()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("comb-policy-");
        try
        {
            var bad = Path.Combine(dir.FullName, "bad.yaml");
            await File.WriteAllTextAsync(bad, "name: x\nrules:\n  - id: a\n    action: deny\n    malware: {}\n", ct);
            var good = Path.Combine(dir.FullName, "good.yaml");
            await File.WriteAllTextAsync(good, "name: ok\nrules:\n  - { id: a, action: warn, malware: {} }\nexceptions:\n  - { id: X, expires: 2020-01-01, reason: old }\n", ct);
            var output = new StringWriter();

            Assert.Equal(ExitCodes.PolicyFailed, await TrustCommandHandlers.CheckPolicyAsync(bad, output, ct));
            Assert.Contains($"{bad}:4:13: action must be 'warn' or 'block'", output.ToString(), StringComparison.Ordinal);

            output = new StringWriter();
            Assert.Equal(ExitCodes.Success, await TrustCommandHandlers.CheckPolicyAsync(good, output, ct));
            Assert.Contains("valid policy 'ok'", output.ToString(), StringComparison.Ordinal);
            Assert.Contains($"{good}:5: warning", output.ToString(), StringComparison.Ordinal);

            await Assert.ThrowsAsync<CombInputException>(() => TrustCommandHandlers.CheckPolicyAsync(Path.Combine(dir.FullName, "missing.yaml"), output, ct));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
