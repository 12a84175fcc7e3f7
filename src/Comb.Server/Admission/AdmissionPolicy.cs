using System.Security.Cryptography;
using Comb.Checks.Policy;
using Comb.Checks.Trust;
using Comb.Contracts;
using Microsoft.Extensions.Options;

namespace Comb.Server.Admission;

/// <summary>
/// The policy and trust policy admission decides with, and their version: a hash of both files' content, re-read when
/// a file changes, so an edited policy gives new decisions without a restart (cached ones carry the old version).
/// </summary>
public sealed class AdmissionPolicy(IOptions<AdmissionSettings> settings, ServerLocations locations)
{
    private readonly Lock _gate = new();
    private (DateTime Policy, DateTime Trust, string Version)? _last;

    public string PolicySource => settings.Value.Policy ?? PolicyLoader.DefaultName;

    /// <summary>Loads both policies once, so a broken file stops the server at start rather than failing every review.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await PolicyLoader.LoadAsync(PolicySource, cancellationToken).ConfigureAwait(false);
        if (settings.Value.TrustPolicy is { } trust)
        {
            await TrustPolicyLoader.LoadFileAsync(trust, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>"sha256 prefix" of the policy and trust policy content ("default" for the built-in policy).</summary>
    public string Version()
    {
        var policy = settings.Value.Policy is { } p && !PolicyLoader.IsDefault(p) ? p : null;
        var trust = settings.Value.TrustPolicy;
        var policyTime = policy is null ? default : File.GetLastWriteTimeUtc(policy);
        var trustTime = trust is null ? default : File.GetLastWriteTimeUtc(trust);
        lock (_gate)
        {
            if (_last is { } last && last.Policy == policyTime && last.Trust == trustTime)
            {
                return last.Version;
            }
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(policy is null ? "builtin:default"u8 : File.ReadAllBytes(policy));
        hash.AppendData([0]);
        hash.AppendData(trust is null ? "no-trust-policy"u8 : File.ReadAllBytes(trust));
        var version = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        lock (_gate)
        {
            _last = (policyTime, trustTime, version);
        }

        return version;
    }

    /// <summary>The options a decision is taken with: the policies, the server's cache and registry settings, nothing stored.</summary>
    public ScanOptions Options() => new()
    {
        CacheDir = locations.CacheDir,
        StorePath = locations.Store,
        PolicyFile = PolicySource,
        TrustPolicyFile = settings.Value.TrustPolicy,
        InsecureRegistry = settings.Value.InsecureRegistry,
        Username = settings.Value.Username,
        Password = settings.Value.Password,

        // What a stored inventory can be judged on again: matching; secrets and malware are carried in the inventory.
        Scanners = new HashSet<string>([Scanners.Vuln, Scanners.Secret, Scanners.Malware], StringComparer.Ordinal),
        NoStore = true,
        Trigger = "admission",
    };
}
