using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Comb.Checks.Trust.Signing;

/// <summary>
/// The "simple signing" document cosign signs: the critical part binds the signature to a manifest digest.
/// Parse only after the signature has been checked over the exact bytes (never re-serialise before verifying).
/// </summary>
public sealed record SimpleSigningPayload(string DockerReference, string ManifestDigest, string Type, IReadOnlyDictionary<string, string> Optional)
{
    public const string CosignType = "cosign container image signature";

    public static byte[] Create(string dockerReference, string manifestDigest, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var critical = new JsonObject
        {
            ["identity"] = new JsonObject { ["docker-reference"] = dockerReference },
            ["image"] = new JsonObject { ["docker-manifest-digest"] = manifestDigest },
            ["type"] = CosignType,
        };
        JsonNode? optional = null;
        if (annotations is { Count: > 0 })
        {
            var obj = new JsonObject();
            foreach (var (k, v) in annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
            {
                obj[k] = v;
            }

            optional = obj;
        }

        var doc = new JsonObject { ["critical"] = critical, ["optional"] = optional };
        return Encoding.UTF8.GetBytes(doc.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }

    /// <summary>Reads a payload strictly: exactly critical and optional at the top, no unknown members in critical.</summary>
    public static SimpleSigningPayload Parse(ReadOnlySpan<byte> json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException("payload is not JSON: " + e.Message, e);
        }

        if (root is not JsonObject top)
        {
            throw new FormatException("payload is not a JSON object");
        }

        var critical = Member(top, "critical") as JsonObject ?? throw new FormatException("payload has no critical object");
        foreach (var (key, _) in top)
        {
            if (!key.Equals("critical", StringComparison.OrdinalIgnoreCase) && !key.Equals("optional", StringComparison.OrdinalIgnoreCase))
            {
                throw new FormatException($"payload has an unknown top-level member '{key}'");
            }
        }

        foreach (var (key, _) in critical)
        {
            if (!(key.Equals("identity", StringComparison.OrdinalIgnoreCase) || key.Equals("image", StringComparison.OrdinalIgnoreCase)
                || key.Equals("type", StringComparison.OrdinalIgnoreCase)))
            {
                throw new FormatException($"payload has an unknown critical member '{key}'");
            }
        }

        var image = Member(critical, "image") as JsonObject ?? throw new FormatException("payload has no critical.image");
        var digest = Text(Member(image, "docker-manifest-digest")) ?? throw new FormatException("payload has no docker-manifest-digest");
        var identity = Member(critical, "identity") as JsonObject;
        var reference = identity is null ? "" : Text(Member(identity, "docker-reference")) ?? "";
        var type = Text(Member(critical, "type")) ?? throw new FormatException("payload has no critical.type");
        var optional = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Member(top, "optional") is JsonObject opt)
        {
            foreach (var (k, v) in opt)
            {
                optional[k] = v is JsonValue value && value.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "null";
            }
        }

        return new SimpleSigningPayload(reference, digest, type, optional);
    }

    /// <summary>Go's decoder matches keys case-insensitively; cosign's spec example writes Docker-manifest-digest.</summary>
    private static JsonNode? Member(JsonObject obj, string name) =>
        obj.FirstOrDefault(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
