using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Comb.Server.Harbor;

/// <summary>
/// The JSON of Harbor's pluggable scanner API v1.2 (snake_case names, as the spec's OpenAPI document defines them).
/// Only what Comb reads or writes is modelled; unknown request members are ignored, as Harbor adds fields over time.
/// </summary>
internal static class HarborJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>The media types the adapter speaks.</summary>
internal static class HarborMediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string VulnerabilityReport = "application/vnd.security.vulnerability.report; version=1.1";

    /// <summary>The older name of the same report schema, still asked for by Harbor 2.x before 2.11.</summary>
    public const string LegacyVulnerabilityReport = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0";
    public const string SbomReport = "application/vnd.security.sbom.report+json; version=1.0";
    public const string Metadata = "application/vnd.scanner.adapter.metadata+json; version=1.1";
    public const string ScanResponse = "application/vnd.scanner.adapter.scan.response+json; version=1.0";
    public const string Error = "application/vnd.scanner.adapter.error+json; version=1.0";
    public const string Spdx = "application/spdx+json";
    public const string CycloneDx = "application/vnd.cyclonedx+json";

    public static readonly IReadOnlyList<string> Consumed = [OciManifest, DockerManifest];
    public static readonly IReadOnlyList<string> SbomFormats = [Spdx, CycloneDx];
}

internal sealed record HarborScanner(string Name, string Vendor, string Version);

internal sealed record HarborCapability(
    string Type, IReadOnlyList<string> ConsumesMimeTypes, IReadOnlyList<string> ProducesMimeTypes, IReadOnlyDictionary<string, IReadOnlyList<string>>? AdditionalAttributes = null);

internal sealed record HarborMetadata(HarborScanner Scanner, IReadOnlyList<HarborCapability> Capabilities, IReadOnlyDictionary<string, string> Properties);

internal sealed record HarborRegistry
{
    public string? Url { get; init; }
    public string? Authorization { get; init; }
}

internal sealed record HarborArtifact
{
    public string? Repository { get; init; }
    public string? Digest { get; init; }
    public string? Tag { get; init; }
    public string? MimeType { get; init; }
}

internal sealed record HarborEnabledCapability
{
    public string? Type { get; init; }
    public IReadOnlyList<string>? ProducesMimeTypes { get; init; }
    public JsonObject? Parameters { get; init; }
}

internal sealed record HarborScanRequest
{
    public HarborRegistry? Registry { get; init; }
    public HarborArtifact? Artifact { get; init; }
    public IReadOnlyList<HarborEnabledCapability>? EnabledCapabilities { get; init; }
}

internal sealed record HarborScanResponse(string Id);

internal sealed record HarborError(string Message);

internal sealed record HarborErrorResponse(HarborError Error);

internal sealed record HarborCvss
{
    public double? ScoreV3 { get; init; }
    public double? ScoreV2 { get; init; }
    public string? VectorV3 { get; init; }
    public string? VectorV2 { get; init; }
}

internal sealed record HarborVulnerability
{
    public required string Id { get; init; }
    public required string Package { get; init; }
    public required string Version { get; init; }
    public string? FixVersion { get; init; }
    public required string Severity { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<string> Links { get; init; } = [];
    public HarborCvss? PreferredCvss { get; init; }
    public IReadOnlyList<string> CweIds { get; init; } = [];
    public IReadOnlyDictionary<string, object?> VendorAttributes { get; init; } = new Dictionary<string, object?>();
}

internal sealed record HarborVulnerabilityReport(
    DateTimeOffset GeneratedAt, HarborArtifact Artifact, HarborScanner Scanner, string Severity, IReadOnlyList<HarborVulnerability> Vulnerabilities);

internal sealed record HarborSbomReport(
    DateTimeOffset GeneratedAt, HarborArtifact Artifact, HarborScanner Scanner, string MediaType, JsonNode Sbom, IReadOnlyDictionary<string, object?> VendorAttributes);
