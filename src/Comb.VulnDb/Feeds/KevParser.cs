using System.Text.Json;

namespace Comb.VulnDb.Feeds;

/// <summary>Reads the CISA Known Exploited Vulnerabilities catalogue (known_exploited_vulnerabilities.json).</summary>
internal static class KevParser
{
    public const string FeedSource = "cisa-kev";

    public static (IReadOnlyList<KevEntry> Entries, DateTimeOffset? Released) Parse(Stream stream)
    {
        using var doc = JsonDocument.Parse(stream);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("vulnerabilities", out var vulns) || vulns.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("not a KEV catalogue (no \"vulnerabilities\" array)");
        }

        DateTimeOffset? released = root.TryGetProperty("dateReleased", out var dr) && dr.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(dr.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime() : null;
        var entries = new List<KevEntry>();
        foreach (var v in vulns.EnumerateArray())
        {
            if (Str(v, "cveID") is not { Length: > 0 } cve)
            {
                continue;
            }

            entries.Add(new KevEntry
            {
                CveId = cve,
                Vendor = Str(v, "vendorProject"),
                Product = Str(v, "product"),
                Name = Str(v, "vulnerabilityName"),
                DateAdded = Str(v, "dateAdded"),
                DueDate = Str(v, "dueDate"),
                RequiredAction = Str(v, "requiredAction"),
                RansomwareUse = Str(v, "knownRansomwareCampaignUse"),
            });
        }

        return (entries, released);
    }

    private static string? Str(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
