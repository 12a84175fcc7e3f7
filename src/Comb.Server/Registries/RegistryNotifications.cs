using System.Globalization;
using System.Text.Json;

namespace Comb.Server.Registries;

/// <summary>One manifest push from a registry notification.</summary>
public sealed record ManifestPush(string EventId, string Repository, string? Tag, string Digest, long At);

/// <summary>
/// Reads a registry notification envelope (<c>{"events": [...]}</c>, media types
/// <c>application/vnd.docker.distribution.events.v1+json</c> and <c>...events.v2+json</c>). Only manifest pushes are
/// kept: blob pushes, pulls, deletes and mounts are counted as ignored.
/// </summary>
public static class RegistryNotifications
{
    public const string V1MediaType = "application/vnd.docker.distribution.events.v1+json";
    public const string V2MediaType = "application/vnd.docker.distribution.events.v2+json";

    public static readonly IReadOnlyList<string> MediaTypes = [V1MediaType, V2MediaType, "application/json"];

    private static readonly HashSet<string> ManifestTypes = new(StringComparer.Ordinal)
    {
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    };

    public static bool IsAccepted(string? contentType) =>
        contentType is not null && MediaTypes.Contains(contentType.Split(';')[0].Trim(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The manifest pushes and how many events were not; throws <see cref="JsonException"/> for a body that is no envelope.</summary>
    public static (IReadOnlyList<ManifestPush> Pushes, int Ignored) Read(ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("a notification envelope is an object with an \"events\" array");
        }

        var pushes = new List<ManifestPush>();
        var ignored = 0;
        foreach (var item in events.EnumerateArray())
        {
            if (ToPush(item, now) is { } push)
            {
                pushes.Add(push);
            }
            else
            {
                ignored++;
            }
        }

        return (pushes, ignored);
    }

    private static ManifestPush? ToPush(JsonElement item, DateTimeOffset now)
    {
        if (item.ValueKind != JsonValueKind.Object || Text(item, "action") != "push" || !item.TryGetProperty("target", out var target) || target.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var mediaType = Text(target, "mediaType");
        var digest = Text(target, "digest");
        var repository = Text(target, "repository");
        if (mediaType is null || !ManifestTypes.Contains(mediaType) || digest is null || Comb.Image.Registry.RegistryReference.ValidateDigest(digest) is not null
            || string.IsNullOrEmpty(repository))
        {
            return null;
        }

        var tag = Text(target, "tag") is { Length: > 0 } t ? t : null;
        var at = Text(item, "timestamp") is { } stamp && DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUnixTimeMilliseconds()
            : now.ToUnixTimeMilliseconds();

        // Without an id a delivery cannot be told from a repeat: the push itself (what, where, when) stands in for it.
        var id = Text(item, "id") ?? $"{repository}|{tag}|{digest}|{at}";
        return new ManifestPush(id, repository, tag, digest, at);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
