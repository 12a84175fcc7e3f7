using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Comb.Server.Vex;

/// <summary>
/// Writes the live stored statements as one OpenVEX 0.2.0 document. An image-wide judgement names the image as
/// <c>pkg:oci/NAME@sha256:...</c> with its sha-256 hash, narrowed to the package by a subcomponent; a fleet-wide one names
/// the package's purl as the product, which matches that package in every image.
/// </summary>
public static partial class OpenVexDocument
{
    public const string Context = "https://openvex.dev/ns/v0.2.0";

    /// <summary>The document: <c>version</c> counts every change (statement made or revoked), so it grows with each.</summary>
    public static string Write(IReadOnlyList<StoredVexStatement> all, string tooling)
    {
        var live = all.Where(s => s.IsLive).ToList();
        var changes = all.Count + all.Count(s => !s.IsLive);
        var first = all.Count == 0 ? DateTimeOffset.UnixEpoch : all.Min(s => s.CreatedAt);
        var last = all.Count == 0 ? DateTimeOffset.UnixEpoch : all.Max(s => s.RevokedAt is { } r && r > s.CreatedAt ? r : s.CreatedAt);
        var authors = live.Select(s => s.Author).Distinct(StringComparer.Ordinal).ToList();

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("@context", Context);
            json.WriteString("@id", $"urn:comb:vex:v{changes.ToString(CultureInfo.InvariantCulture)}");
            json.WriteString("author", authors.Count == 0 ? "Comb server" : string.Join(", ", authors));
            json.WriteString("role", "Document Creator");
            json.WriteString("timestamp", Rfc3339(first));
            json.WriteString("last_updated", Rfc3339(last));
            json.WriteNumber("version", Math.Max(changes, 1));
            json.WriteString("tooling", tooling);
            json.WriteStartArray("statements");
            foreach (var statement in live)
            {
                WriteStatement(json, statement);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteStatement(Utf8JsonWriter json, StoredVexStatement s)
    {
        var j = s.Judgement;
        json.WriteStartObject();
        json.WriteString("@id", "urn:comb:vex:statement:" + s.Id);
        json.WriteStartObject("vulnerability");
        json.WriteString("name", j.Vulnerability);
        if (j.Aliases.Count > 0)
        {
            json.WriteStartArray("aliases");
            foreach (var alias in j.Aliases)
            {
                json.WriteStringValue(alias);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteString("timestamp", Rfc3339(s.CreatedAt));
        json.WriteStartArray("products");
        json.WriteStartObject();
        if (j.ImageDigest is { } digest)
        {
            var purl = ImagePurl(digest, j.ImageName);
            json.WriteString("@id", purl);
            json.WriteStartObject("identifiers");
            json.WriteString("purl", purl);
            json.WriteEndObject();
            if (digest.StartsWith("sha256:", StringComparison.Ordinal))
            {
                json.WriteStartObject("hashes");
                json.WriteString("sha-256", digest["sha256:".Length..]);
                json.WriteEndObject();
            }

            if (j.PackagePurl is { } package)
            {
                json.WriteStartArray("subcomponents");
                json.WriteStartObject();
                json.WriteString("@id", package);
                json.WriteEndObject();
                json.WriteEndArray();
            }
        }
        else
        {
            json.WriteString("@id", j.PackagePurl);
            json.WriteStartObject("identifiers");
            json.WriteString("purl", j.PackagePurl);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("status", s.Status);
        json.WriteString("justification", j.Justification);
        json.WriteString("impact_statement", j.ImpactStatement);
        json.WriteString("status_notes", $"triaged by {s.Author} in the Comb console");
        json.WriteEndObject();
    }

    /// <summary><c>pkg:oci/NAME@sha256%3AHEX?repository_url=REGISTRY/REPOSITORY</c>; NAME is the repository's last segment.</summary>
    public static string ImagePurl(string digest, string? repository)
    {
        var name = repository is { Length: > 0 } r ? r[(r.LastIndexOf('/') + 1)..].ToLowerInvariant() : "";
        name = UnsafeName().Replace(name, "-").Trim('-');
        var purl = $"pkg:oci/{(name.Length == 0 ? "image" : name)}@{Uri.EscapeDataString(digest)}";
        return repository is { Length: > 0 } && repository.Contains('/', StringComparison.Ordinal)
            ? purl + "?repository_url=" + Uri.EscapeDataString(repository.ToLowerInvariant()) : purl;
    }

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("[^a-z0-9._-]+")]
    private static partial Regex UnsafeName();
}
