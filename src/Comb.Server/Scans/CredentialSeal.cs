using System.Security.Cryptography;
using System.Text.Json;
using Comb.Contracts;
using Microsoft.AspNetCore.DataProtection;

namespace Comb.Server.Scans;

/// <summary>
/// Seals the registry credentials of a scan request before the job is a queue row, and unseals them in the worker that
/// runs it: the row holds ciphertext only, readable by hosts that share the server's key ring.
/// </summary>
public sealed class CredentialSeal(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Comb.Server.ScanJob.RegistryCredentials.v1");

    /// <summary>The job as it is queued: the request without credentials, the credentials sealed beside it.</summary>
    public ScanJob Seal(ScanJob job)
    {
        if (job.Request.RegistryCredentials is not { Count: > 0 } credentials)
        {
            return job;
        }

        var sealedText = _protector.Protect(JsonSerializer.Serialize(credentials, ScanJob.Json));
        return job with { Request = job.Request with { RegistryCredentials = null }, SealedCredentials = sealedText };
    }

    /// <summary>The credentials a queued job carries (none when it carries none).</summary>
    public IReadOnlyDictionary<string, RegistryCredential> Unseal(ScanJob job)
    {
        if (job.SealedCredentials is not { } sealedText)
        {
            // A job queued before credentials were sealed still runs with what it holds.
            return job.Request.RegistryCredentials ?? new Dictionary<string, RegistryCredential>();
        }

        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, RegistryCredential>>(_protector.Unprotect(sealedText), ScanJob.Json)
                ?? new Dictionary<string, RegistryCredential>();
        }
        catch (CryptographicException ex)
        {
            throw new CombInputException(
                $"the scan's registry credentials cannot be unsealed here ({ex.Message}): give this worker the server's key directory (Comb:KeyRingDir, default <cache>/server/keys)",
                ex, CombErrorKind.BadInput);
        }
    }
}
