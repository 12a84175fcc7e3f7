using System.Globalization;
using System.Text.Json;
using Comb.Contracts;

namespace Comb.VulnDb.Feeds;

/// <summary>Reads one OSV JSON record (schema 1.0 - 1.7) into an <see cref="Advisory"/>.</summary>
internal static class OsvRecordParser
{
    /// <exception cref="FormatException">The record is not an OSV object with an id.</exception>
    public static Advisory Parse(ReadOnlySpan<byte> json, string feedSource)
    {
        Utf8JsonReader reader = new(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        using var doc = JsonDocument.ParseValue(ref reader);
        return Parse(doc.RootElement, feedSource);
    }

    public static Advisory Parse(JsonElement root, string feedSource)
    {
        if (root.ValueKind != JsonValueKind.Object || Str(root, "id") is not { Length: > 0 } id)
        {
            throw new FormatException("not an OSV record (no \"id\")");
        }

        var advisory = new Advisory
        {
            Id = id,
            Aliases = StrList(root, "aliases"),
            Upstream = StrList(root, "upstream"),
            Related = StrList(root, "related"),
            Summary = Str(root, "summary"),
            Details = Str(root, "details"),
            Published = Time(root, "published"),
            Modified = Time(root, "modified"),
            Withdrawn = Time(root, "withdrawn"),
        };
        advisory.Sources.Add(feedSource);

        var vectorSource = SourceOf(id);
        if (root.TryGetProperty("severity", out var severity))
        {
            ReadSeverity(severity, vectorSource, advisory, out var label);
            if (label != Severity.Unknown)
            {
                advisory.VendorSeverity = label;
                advisory.VendorSeveritySource = vectorSource;
            }
        }

        if (root.TryGetProperty("database_specific", out var dbSpecific) && dbSpecific.ValueKind == JsonValueKind.Object)
        {
            ReadDatabaseSpecific(dbSpecific, vectorSource, advisory);
        }

        if (root.TryGetProperty("references", out var refs) && refs.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in refs.EnumerateArray())
            {
                if (Str(r, "url") is { Length: > 0 } url && !advisory.References.Contains(url, StringComparer.Ordinal))
                {
                    advisory.References.Add(url);
                }
            }
        }

        if (root.TryGetProperty("affected", out var affected) && affected.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in affected.EnumerateArray())
            {
                if (ReadAffected(a, vectorSource, advisory) is { } entry)
                {
                    advisory.Affected.Add(entry);
                }
            }
        }

        // AlmaLinux / Red Hat style summaries carry the vendor rating: "Important: kernel security update".
        if (advisory.VendorSeverity == Severity.Unknown && advisory.Summary is { } summary
            && summary.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon and < 12)
        {
            var rating = SeverityNames.Parse(summary[..colon]);
            if (rating != Severity.Unknown)
            {
                advisory.VendorSeverity = rating;
                advisory.VendorSeveritySource = vectorSource;
            }
        }

        return advisory;
    }

    private static AffectedEntry? ReadAffected(JsonElement a, string vectorSource, Advisory advisory)
    {
        if (!a.TryGetProperty("package", out var pkg) || Str(pkg, "ecosystem") is not { Length: > 0 } ecosystem
            || Str(pkg, "name") is not { Length: > 0 } name)
        {
            return null;
        }

        var ranges = new List<AffectedRange>();
        if (a.TryGetProperty("ranges", out var rangesEl) && rangesEl.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in rangesEl.EnumerateArray())
            {
                var type = Str(r, "type") ?? "ECOSYSTEM";
                var events = new List<RangeEvent>();
                if (r.TryGetProperty("events", out var eventsEl) && eventsEl.ValueKind == JsonValueKind.Array)
                {
                    foreach (var e in eventsEl.EnumerateArray())
                    {
                        if (e.ValueKind != JsonValueKind.Object)
                        {
                            continue;
                        }

                        foreach (var prop in e.EnumerateObject())
                        {
                            if (prop.Value.ValueKind == JsonValueKind.String && prop.Name is EventKinds.Introduced
                                or EventKinds.Fixed or EventKinds.LastAffected or EventKinds.Limit)
                            {
                                events.Add(new RangeEvent(prop.Name, prop.Value.GetString()!));
                            }
                        }
                    }
                }

                if (events.Count > 0)
                {
                    ranges.Add(new AffectedRange(type, events));
                }
            }
        }

        var entrySeverity = Severity.Unknown;
        if (a.TryGetProperty("severity", out var sev))
        {
            ReadSeverity(sev, vectorSource, advisory, out entrySeverity);
        }

        if (a.TryGetProperty("ecosystem_specific", out var eco) && eco.ValueKind == JsonValueKind.Object)
        {
            var priority = Str(eco, "ubuntu_priority") ?? Str(eco, "severity");
            if (priority is not null && SeverityNames.Parse(priority) is var p && p != Severity.Unknown)
            {
                entrySeverity = p;
            }
        }

        if (a.TryGetProperty("database_specific", out var dbs) && dbs.ValueKind == JsonValueKind.Object)
        {
            AddCwes(dbs, advisory);
        }

        return new AffectedEntry
        {
            Ecosystem = ecosystem,
            Name = name,
            Purl = Str(pkg, "purl"),
            Ranges = ranges,
            Versions = StrList(a, "versions"),
            Severity = entrySeverity,
        };
    }

    private static void ReadSeverity(JsonElement severity, string vectorSource, Advisory advisory, out Severity label)
    {
        label = Severity.Unknown;
        if (severity.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var s in severity.EnumerateArray())
        {
            var type = Str(s, "type");
            var score = Str(s, "score");
            if (type is null || score is null)
            {
                continue;
            }

            if (type.StartsWith("CVSS_", StringComparison.Ordinal))
            {
                AddVector(advisory, vectorSource, score);
            }
            else if (SeverityNames.Parse(score) is var parsed && parsed != Severity.Unknown)
            {
                label = parsed;
            }
        }
    }

    private static void ReadDatabaseSpecific(JsonElement dbs, string vectorSource, Advisory advisory)
    {
        if (Str(dbs, "severity") is { } label && SeverityNames.Parse(label) is var parsed && parsed != Severity.Unknown)
        {
            advisory.VendorSeverity = parsed;
            advisory.VendorSeveritySource = vectorSource;
        }

        AddCwes(dbs, advisory);

        // RUSTSEC keeps its vector here; RubyGems / nodejs-security-wg keep bare scores.
        if (Str(dbs, "cvss") is { } vector && vector.Contains('/', StringComparison.Ordinal))
        {
            AddVector(advisory, vectorSource, vector);
        }

        foreach (var key in (ReadOnlySpan<string>)["cvss_v4", "cvss_v3", "cvss_score", "cvss_v2"])
        {
            if (dbs.TryGetProperty(key, out var value) && Number(value) is { } bare)
            {
                advisory.BareScore ??= bare;
            }
        }
    }

    private static void AddCwes(JsonElement dbs, Advisory advisory)
    {
        foreach (var cwe in StrList(dbs, "cwe_ids"))
        {
            if (!advisory.Cwes.Contains(cwe, StringComparer.Ordinal))
            {
                advisory.Cwes.Add(cwe);
            }
        }
    }

    internal static void AddVector(Advisory advisory, string source, string vector)
    {
        var version = vector.StartsWith("CVSS:", StringComparison.Ordinal) && vector.IndexOf('/', StringComparison.Ordinal) is > 5 and var slash
            ? vector[5..slash]
            : "2.0";
        if (!advisory.Cvss.Exists(c => string.Equals(c.Vector, vector, StringComparison.Ordinal)))
        {
            advisory.Cvss.Add(new CvssVector(source, version, vector));
        }
    }

    /// <summary>Who published a record, from its id prefix (GHSA-... -> ghsa).</summary>
    internal static string SourceOf(string id)
    {
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        var prefix = dash > 0 ? id[..dash] : id;
        return prefix.ToLowerInvariant() switch
        {
            "dsa" or "dla" or "debian" => "debian",
            "usn" or "ubuntu" => "ubuntu",
            "alsa" or "alba" or "alea" => "almalinux",
            "nswg" => "nodejs-security-wg",
            var other => other,
        };
    }

    private static double? Number(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static string? Str(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static List<string> StrList(JsonElement obj, string name)
    {
        var list = new List<string>();
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in v.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } s)
                {
                    list.Add(s);
                }
            }
        }

        return list;
    }

    private static DateTimeOffset? Time(JsonElement obj, string name) =>
        Str(obj, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            && t.Year > 1
            ? t.ToUniversalTime()
            : null;
}
