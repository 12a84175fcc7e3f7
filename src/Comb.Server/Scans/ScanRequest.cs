using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Server.Scans;

/// <summary>
/// A scan as a client asks for it (POST /api/v1/scans): the image, the scanners, a stored policy, a platform, registry
/// credentials for this request, and the presentation and verdict settings a user of <c>comb scan</c> has.
/// </summary>
public sealed record ScanRequest
{
    /// <summary>A registry image reference (host/repository:tag or @digest).</summary>
    public string? Image { get; init; }

    /// <summary>vuln, secret, malware, config (default: all).</summary>
    public IReadOnlyList<string>? Scanners { get; init; }

    /// <summary>The name of a stored policy that judges the scan.</summary>
    public string? Policy { get; init; }

    /// <summary>os/arch[/variant] to pick from a multi-platform image.</summary>
    public string? Platform { get; init; }

    /// <summary>Allow plain HTTP and self-signed TLS for this image's registry.</summary>
    public bool InsecureRegistry { get; init; }

    /// <summary>A stored registry (/api/v1/registries) whose sign-in this scan uses; only for images on that registry's host.</summary>
    public string? Registry { get; init; }

    /// <summary>Credentials for this scan only, by registry host.</summary>
    public IReadOnlyDictionary<string, RegistryCredential>? RegistryCredentials { get; init; }

    /// <summary>Present only these severities (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL); every finding is still stored.</summary>
    public IReadOnlyList<string>? Severities { get; init; }

    public bool IgnoreUnfixed { get; init; }

    /// <summary>Fail when a presented finding has this severity or worse.</summary>
    public string? FailOn { get; init; }

    /// <summary>Exit code reported when findings are presented (as <c>comb scan --exit-code</c>).</summary>
    public int ExitCode { get; init; }

    public IReadOnlyList<string>? SkipFiles { get; init; }

    public IReadOnlyList<string>? SkipDirs { get; init; }

    public bool IncludeDevDeps { get; init; }

    /// <summary>Who asked, recorded with the scan (cli, ci:github:RUN, ...); "api" by default.</summary>
    public string? Trigger { get; init; }

    /// <summary>The report format the scan is usually fetched in (default json); checked at submission.</summary>
    public string? Format { get; init; }
}

/// <summary>
/// The queued job's payload: the request (without its credentials), the stored policy as it stood when the scan was
/// submitted, and the request's registry credentials sealed with the server's data-protection keys (<see cref="CredentialSeal"/>).
/// </summary>
public sealed record ScanJob(ScanRequest Request, string? PolicyYaml = null, string? PolicyRevision = null, string? SealedCredentials = null)
{
    public const string Kind = "scan";

    /// <summary>camelCase; unknown members are refused, so a misspelt option is an error rather than silently ignored.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ScanJob FromJson(string json) =>
        JsonSerializer.Deserialize<ScanJob>(json, Json) ?? throw new CombInputException("empty scan job payload");
}
