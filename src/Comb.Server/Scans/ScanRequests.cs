using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Comb.Contracts;
using Comb.Image.Oci;
using Comb.Image.Registry;

namespace Comb.Server.Scans;

/// <summary>Checks a scan request, turns a job into engine options, and names the jobs that are the same work.</summary>
public static class ScanRequests
{
    /// <summary>The error a client gets for a request that cannot run, or null when it can.</summary>
    public static string? Validate(ScanRequest request, IReadOnlyCollection<string> formats)
    {
        if (string.IsNullOrWhiteSpace(request.Image))
        {
            return "\"image\" is required: a registry image reference such as registry.example/app:1.0";
        }

        if (!IsRegistryReference(request.Image))
        {
            return $"malformed image reference '{request.Image}': the server scans registry images (host/repository:tag or @sha256:...)";
        }

        foreach (var scanner in request.Scanners ?? [])
        {
            if (!Contracts.Scanners.All.Contains(scanner))
            {
                return $"unknown scanner '{scanner}': use {string.Join(", ", Contracts.Scanners.All)}";
            }
        }

        foreach (var severity in (request.Severities ?? []).Concat(request.FailOn is null ? [] : [request.FailOn]))
        {
            if (TryParseSeverity(severity) is null)
            {
                return $"unknown severity '{severity}': use UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL";
            }
        }

        if (request.Format is not null && !formats.Contains(request.Format))
        {
            return $"unknown format '{request.Format}': use {string.Join(", ", formats)}";
        }

        if (request.Platform is not null)
        {
            try
            {
                PlatformSelector.Parse(request.Platform);
            }
            catch (CombInputException ex)
            {
                return ex.Message;
            }
        }

        return request.ExitCode is < 0 or > 255 ? $"exit code {request.ExitCode} is out of range 0-255" : null;
    }

    /// <summary>Registry references only: local sources (oci:, rootfs:, ...) would read the server's own files.</summary>
    public static bool IsRegistryReference(string reference) => !HasLocalPrefix(reference) && RegistryReference.TryParse(reference, out _);

    /// <summary>
    /// The engine's options for a job, with the registry credentials unsealed from it; the policy, when there is one, is
    /// read from <paramref name="policyFile"/>.
    /// </summary>
    public static ScanOptions ToOptions(ScanJob job, IReadOnlyDictionary<string, RegistryCredential> credentials, string cacheDir, string? policyFile)
    {
        var request = job.Request;
        return new ScanOptions
        {
            Scanners = request.Scanners is { Count: > 0 } s ? s.ToHashSet(StringComparer.Ordinal) : new HashSet<string>(Contracts.Scanners.All, StringComparer.Ordinal),
            CacheDir = cacheDir,
            Platform = request.Platform is null ? null : PlatformSelector.Parse(request.Platform),
            InsecureRegistry = request.InsecureRegistry,
            RegistryCredentials = new Dictionary<string, RegistryCredential>(credentials, StringComparer.OrdinalIgnoreCase),
            Severities = (request.Severities ?? []).Select(v => TryParseSeverity(v)!.Value).ToHashSet(),
            IgnoreUnfixed = request.IgnoreUnfixed,
            SkipFiles = [.. request.SkipFiles ?? []],
            SkipDirs = [.. request.SkipDirs ?? []],
            IncludeDevDeps = request.IncludeDevDeps,
            PolicyFile = policyFile,
            Verdict = new VerdictOptions { FailOn = request.FailOn is null ? null : TryParseSeverity(request.FailOn), ExitCodeOnFindings = request.ExitCode },
            Trigger = request.Trigger ?? "api",

            // The server records the scan itself, in the transaction that completes the job.
            NoStore = true,
        };
    }

    /// <summary>
    /// Jobs with this key are the same work: the same image (by digest when the reference names one), the same advisory
    /// database, and the same settings (scanners, policy revision, filters). Pending ones are merged. A job with sealed
    /// credentials has no key: it is never merged, as the queue keeps no digest a password could be guessed from.
    /// </summary>
    public static string? DedupeKey(ScanJob job, string? databaseVersion)
    {
        if (job.SealedCredentials is not null || job.Request.RegistryCredentials is { Count: > 0 })
        {
            return null;
        }

        var reference = RegistryReference.Parse(job.Request.Image!);
        var target = reference.Digest is { } digest ? $"{reference.Registry}/{reference.Repository}@{digest}" : reference.ToString();
        var settings = job with { Request = job.Request with { Image = null, Scanners = job.Request.Scanners?.Order(StringComparer.Ordinal).ToArray() }, PolicyYaml = null };
        var text = string.Join('\n', target, databaseVersion ?? "no-database", JsonSerializer.Serialize(settings, ScanJob.Json));
        return "scan:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    internal static Severity? TryParseSeverity(string text)
    {
        if (text.Trim().Equals("UNKNOWN", StringComparison.OrdinalIgnoreCase))
        {
            return Severity.Unknown;
        }

        var severity = SeverityNames.Parse(text);
        return severity == Severity.Unknown ? null : severity;
    }

    private static bool HasLocalPrefix(string reference) =>
        new[] { "oci:", "oci-archive:", "docker-archive:", "rootfs:" }.Any(p => reference.StartsWith(p, StringComparison.OrdinalIgnoreCase));
}
