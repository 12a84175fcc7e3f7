using System.Globalization;
using System.Text.Json;
using Comb.Contracts;

namespace Comb.VulnDb.Filtering;

/// <summary>One OpenVEX statement, reduced to what matching needs.</summary>
internal sealed record VexStatement
{
    public required IReadOnlyList<string> VulnerabilityIds { get; init; }
    public required IReadOnlyList<VexProduct> Products { get; init; }
    public required string Status { get; init; }
    public string? Justification { get; init; }
    public DateTimeOffset? Timestamp { get; init; }
    public required string Source { get; init; }

    /// <summary>Order in the input, to break timestamp ties (the later statement wins).</summary>
    public int Sequence { get; init; }

    public bool Suppresses => Status is "not_affected" or "fixed";
}

/// <summary>A product (the image, or a package) and the subcomponents (packages) a statement names.</summary>
internal sealed record VexProduct(PurlPattern? Purl, string? Sha256, IReadOnlyList<PurlPattern> Subcomponents);

/// <summary>Reads OpenVEX (v0.0.1 - v0.2.0) documents, plain or wrapped in an in-toto statement's predicate.</summary>
internal static class VexDocument
{
    public static IReadOnlyList<VexStatement> Load(ScanDocument document, int sequenceStart = 0)
    {
        var path = document.Name;
        if (document.FilePath is { } file && !File.Exists(file))
        {
            throw new CombInputException($"VEX file not found: {path}", CombErrorKind.NotFound);
        }

        try
        {
            using var doc = document.Content is { } content ? JsonDocument.Parse(content) : JsonDocument.Parse(File.ReadAllBytes(document.FilePath!));
            return Parse(doc.RootElement, path, sequenceStart);
        }
        catch (JsonException ex)
        {
            throw new CombInputException($"VEX file {path} is not valid JSON: {ex.Message}", ex);
        }
    }

    public static IReadOnlyList<VexStatement> Parse(JsonElement root, string source, int sequenceStart = 0)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("predicate", out var predicate) && predicate.ValueKind == JsonValueKind.Object)
        {
            root = predicate;
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("statements", out var statements) || statements.ValueKind != JsonValueKind.Array)
        {
            throw new CombInputException($"{source} is not an OpenVEX document (no \"statements\" array)");
        }

        var documentTime = Time(root, "timestamp");
        var result = new List<VexStatement>();
        var seq = sequenceStart;
        foreach (var st in statements.EnumerateArray())
        {
            if (!st.TryGetProperty("vulnerability", out var vuln) || Str(st, "status") is not { } status)
            {
                throw new CombInputException($"{source}: a statement has no vulnerability or status");
            }

            var ids = new List<string>();
            if (vuln.ValueKind == JsonValueKind.String)
            {
                ids.Add(vuln.GetString()!);
            }
            else
            {
                AddIf(ids, Str(vuln, "name"));
                AddIf(ids, Str(vuln, "@id"));
                if (vuln.TryGetProperty("aliases", out var aliases) && aliases.ValueKind == JsonValueKind.Array)
                {
                    foreach (var a in aliases.EnumerateArray())
                    {
                        AddIf(ids, a.ValueKind == JsonValueKind.String ? a.GetString() : null);
                    }
                }
            }

            var products = new List<VexProduct>();
            if (st.TryGetProperty("products", out var productsEl) && productsEl.ValueKind == JsonValueKind.Array)
            {
                foreach (var p in productsEl.EnumerateArray())
                {
                    var subs = new List<PurlPattern>();
                    if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("subcomponents", out var subsEl) && subsEl.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var s in subsEl.EnumerateArray())
                        {
                            if (ComponentPurl(s) is { } sp)
                            {
                                subs.Add(sp);
                            }
                        }
                    }

                    string? sha = null;
                    if (p.ValueKind == JsonValueKind.Object && p.TryGetProperty("hashes", out var hashes) && hashes.ValueKind == JsonValueKind.Object)
                    {
                        sha = Str(hashes, "sha-256");
                    }

                    products.Add(new VexProduct(ComponentPurl(p), sha, subs));
                }
            }

            result.Add(new VexStatement
            {
                VulnerabilityIds = ids,
                Products = products,
                Status = status,
                Justification = Str(st, "justification"),
                Timestamp = Time(st, "timestamp") ?? documentTime,
                Source = source,
                Sequence = seq++,
            });
        }

        return result;
    }

    private static PurlPattern? ComponentPurl(JsonElement component)
    {
        if (component.ValueKind == JsonValueKind.String)
        {
            return PurlPattern.Parse(component.GetString());
        }

        if (component.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (component.TryGetProperty("identifiers", out var ids) && Str(ids, "purl") is { } purl)
        {
            return PurlPattern.Parse(purl);
        }

        return PurlPattern.Parse(Str(component, "@id"));
    }

    private static void AddIf(List<string> list, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value) && !list.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            list.Add(value);
        }
    }

    private static string? Str(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static DateTimeOffset? Time(JsonElement obj, string name) =>
        Str(obj, name) is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;
}
