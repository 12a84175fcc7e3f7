using System.Text.Json;
using System.Text.Json.Serialization;

namespace Comb.Server.Admission;

/// <summary>
/// The AdmissionReview envelope of admission.k8s.io/v1, as the API server sends it to a validating webhook and reads
/// the answer. The Kubernetes client models carry the objects (Pod, Deployment, ...) but not this envelope.
/// </summary>
public sealed record AdmissionReview
{
    public const string V1 = "admission.k8s.io/v1";
    public const string ReviewKind = "AdmissionReview";

    /// <summary>camelCase as Kubernetes writes it; absent members are left out of the answer.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string? ApiVersion { get; init; }

    public string? Kind { get; init; }

    public AdmissionRequest? Request { get; init; }

    public AdmissionResponse? Response { get; init; }

    /// <summary>The answer to a request: same apiVersion and kind, the response alone.</summary>
    public static AdmissionReview Answer(string apiVersion, AdmissionResponse response) => new() { ApiVersion = apiVersion, Kind = ReviewKind, Response = response };
}

public sealed record GroupVersionKind(string? Group, string? Version, string? Kind);

public sealed record GroupVersionResource(string? Group, string? Version, string? Resource);

public sealed record AdmissionUserInfo
{
    public string? Username { get; init; }

    public string? Uid { get; init; }

    public IReadOnlyList<string>? Groups { get; init; }
}

public sealed record AdmissionRequest
{
    public string? Uid { get; init; }

    public GroupVersionKind? Kind { get; init; }

    public GroupVersionResource? Resource { get; init; }

    public string? SubResource { get; init; }

    public string? Name { get; init; }

    public string? Namespace { get; init; }

    /// <summary>CREATE, UPDATE, DELETE or CONNECT.</summary>
    public string? Operation { get; init; }

    public AdmissionUserInfo? UserInfo { get; init; }

    /// <summary>The object as it would be stored (absent for DELETE).</summary>
    public JsonElement? Object { get; init; }

    public JsonElement? OldObject { get; init; }

    /// <summary>True for `kubectl --dry-run=server`: judged and answered, nothing else happens.</summary>
    public bool? DryRun { get; init; }
}

public sealed record AdmissionStatus(int Code, string Message, string? Reason = null);

public sealed record AdmissionResponse
{
    public required string Uid { get; init; }

    public required bool Allowed { get; init; }

    public AdmissionStatus? Status { get; init; }

    /// <summary>Shown by kubectl as "Warning: ..."; null when there is none.</summary>
    public IReadOnlyList<string>? Warnings { get; init; }
}
