using Comb.Checks.Policy;
using Comb.Checks.Trust;
using Comb.Checks.Trust.Signing;
using Comb.Contracts;
using Comb.Image.Registry;

namespace Comb.Checks.Commands;

/// <summary>Registry access settings for sign and verify.</summary>
public sealed record RegistryAccess(bool Insecure = false, string? Username = null, string? Password = null);

/// <summary>
/// The work behind `comb sign`, `comb verify` and `comb policy check`, kept out of the CLI so it is testable.
/// Exit codes follow cosign: 0 valid, 1 missing or invalid signature (or an invalid policy), 2 errors.
/// </summary>
public sealed class TrustCommandHandlers
{
    public const string PasswordVariable = "COSIGN_PASSWORD";

    private readonly RegistryCredentialResolver _credentials;
    private readonly Func<string, string?> _environment;

    public TrustCommandHandlers(RegistryCredentialResolver credentials, Func<string, string?>? environment = null)
    {
        _credentials = credentials;
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    /// <summary>Signs the image REF resolves to and pushes the signature under its sha256-&lt;hex&gt;.sig tag.</summary>
    public async Task<int> SignAsync(string reference, string keyPath, IReadOnlyDictionary<string, string> annotations, RegistryAccess access,
        TextWriter output, CancellationToken cancellationToken)
    {
        var key = SigningKeys.Parse(ReadFile(keyPath, "private key"), _environment(PasswordVariable));
        var parsed = RegistryReference.Parse(reference);
        using var client = Client(parsed, access);
        var digest = await ResolveDigestAsync(client, parsed, cancellationToken).ConfigureAwait(false);
        var store = new RegistrySignatureStore(client, parsed.Repository);
        await CosignSignatures.SignAsync(store, $"{parsed.Registry}/{parsed.Repository}", digest, key, annotations, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"Pushed signature ({key.Algorithm}, {key.PublicKey().Fingerprint}) to {parsed.Registry}/{parsed.Repository}:{SignatureTags.For(digest)}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    public async Task<int> VerifyAsync(string reference, IReadOnlyList<string> keyPaths, RegistryAccess access, TextWriter output, CancellationToken cancellationToken)
    {
        var keys = keyPaths.Select(p => (Path.GetFileName(p), PublicKeys.Parse(ReadFile(p, "public key")))).ToList();
        var parsed = RegistryReference.Parse(reference);
        using var client = Client(parsed, access);
        var digest = await ResolveDigestAsync(client, parsed, cancellationToken).ConfigureAwait(false);
        var check = await CosignSignatures.VerifyAsync(new RegistrySignatureStore(client, parsed.Repository), digest, keys, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"{parsed.Registry}/{parsed.Repository}@{digest}: signature {check.Status}").ConfigureAwait(false);
        foreach (var detail in check.Details)
        {
            await output.WriteLineAsync("  " + detail).ConfigureAwait(false);
        }

        return check.Status == SignatureStatuses.Valid ? ExitCodes.Success : ExitCodes.PolicyFailed;
    }

    /// <summary>Validates a policy file and prints every problem as FILE:LINE:COLUMN: message.</summary>
    public static async Task<int> CheckPolicyAsync(string path, TextWriter output, CancellationToken cancellationToken)
    {
        var result = await PolicyLoader.CheckFileAsync(path, cancellationToken).ConfigureAwait(false);
        if (!result.IsValid)
        {
            foreach (var error in result.Errors)
            {
                await output.WriteLineAsync($"{path}:{error}").ConfigureAwait(false);
            }

            await output.WriteLineAsync($"{path}: {result.Errors.Count} problem(s)").ConfigureAwait(false);
            return ExitCodes.PolicyFailed;
        }

        var policy = result.Policy!;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await output.WriteLineAsync($"{path}: valid policy '{policy.Name}': {policy.Rules.Count} rule(s), {policy.Exceptions.Count} exception(s)"
            + (policy.Trust is null ? "" : ", trust section")).ConfigureAwait(false);
        foreach (var expired in policy.Exceptions.Where(e => e.IsExpired(today)))
        {
            await output.WriteLineAsync($"{path}:{expired.Line}: warning: exception for {expired.Describe()} expired on {expired.Expires:yyyy-MM-dd} and no longer applies").ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    private RegistryClient Client(RegistryReference reference, RegistryAccess access) => new(reference.ApiHost, new RegistryClientOptions
    {
        Insecure = access.Insecure,
        Credentials = _credentials.Resolve(reference.Registry, new ImageOpenOptions { Username = access.Username, Password = access.Password, InsecureRegistry = access.Insecure }),
    });

    /// <summary>Signatures bind digests, never tags: a tag is resolved to the digest of what it points at now.</summary>
    private static async Task<string> ResolveDigestAsync(RegistryClient client, RegistryReference reference, CancellationToken cancellationToken)
    {
        if (reference.Digest is { } digest)
        {
            return digest;
        }

        var manifest = await client.GetManifestAsync(reference.Repository, reference.ManifestReference, cancellationToken).ConfigureAwait(false);
        return manifest.Digest;
    }

    private static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CombInputException($"cannot read {what} {path}: {e.Message}", e);
        }
    }
}
