using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>The text of a finding's advisory (title, description, references, CWEs): the same in every image a finding of it is in.</summary>
internal sealed record AdvisoryText(string? Title, string? Description, IReadOnlyList<string> References, IReadOnlyList<string> Cwes)
{
    public static AdvisoryText Of(VulnerabilityFinding finding) => new(finding.Title, finding.Description, finding.References, finding.Cwes);

    public bool IsEmpty => Title is null && Description is null && References.Count == 0 && Cwes.Count == 0;

    /// <summary>The finding without its text, as a finding set stores it.</summary>
    public static VulnerabilityFinding Strip(VulnerabilityFinding finding) => finding with { Title = null, Description = null, References = [], Cwes = [] };

    public VulnerabilityFinding Restore(VulnerabilityFinding stripped) => stripped with { Title = Title, Description = Description, References = References, Cwes = Cwes };

    public bool SameAs(AdvisoryText other) =>
        string.Equals(Title, other.Title, StringComparison.Ordinal) && string.Equals(Description, other.Description, StringComparison.Ordinal)
        && References.SequenceEqual(other.References, StringComparer.Ordinal) && Cwes.SequenceEqual(other.Cwes, StringComparer.Ordinal);
}

/// <summary>
/// A finding set as stored: its findings without their advisory text, and for each finding the digest of its text in
/// <c>finding_texts</c> ("" for none). Sets stored before texts were kept apart are a plain JSON list of whole
/// findings, read as such.
/// </summary>
[JsonConverter(typeof(StoredFindingsConverter))]
internal sealed class StoredFindings(List<VulnerabilityFinding> findings, List<string> texts)
{
    public List<VulnerabilityFinding> Findings { get; } = findings;

    public List<string> Texts { get; } = texts;

    /// <summary>The whole findings, once their texts were read (kept with the stored form, so a shared set is put together once).</summary>
    [JsonIgnore]
    public List<VulnerabilityFinding>? Whole { get; set; }

    private sealed class StoredFindingsConverter : JsonConverter<StoredFindings>
    {
        public override StoredFindings Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                return new StoredFindings(JsonSerializer.Deserialize<List<VulnerabilityFinding>>(ref reader, options) ?? [], []);
            }

            List<VulnerabilityFinding> findings = [];
            List<string> texts = [];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "findings":
                        findings = JsonSerializer.Deserialize<List<VulnerabilityFinding>>(ref reader, options) ?? [];
                        break;
                    case "texts":
                        texts = JsonSerializer.Deserialize<List<string>>(ref reader, options) ?? [];
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (texts.Count != 0 && texts.Count != findings.Count)
            {
                throw new JsonException($"a stored finding set lists {texts.Count} texts for {findings.Count} findings");
            }

            return new StoredFindings(findings, texts);
        }

        public override void Write(Utf8JsonWriter writer, StoredFindings value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("findings");
            JsonSerializer.Serialize(writer, value.Findings, options);
            writer.WritePropertyName("texts");
            JsonSerializer.Serialize(writer, value.Texts, options);
            writer.WriteEndObject();
        }
    }
}

/// <summary>
/// Advisory texts kept once by content in <c>finding_texts</c>: a fleet's images share their advisories, so a finding
/// set holds per finding only what is its own, and the texts are encoded, written and read once per advisory (and
/// per process). Texts are not pruned: they are bounded by the advisory data, and any scan recorded next may need them.
/// </summary>
internal sealed class AdvisoryTexts
{
    /// <summary>Encoded texts kept per advisory id; past this many the memo starts over.</summary>
    private const int MaxEncoded = 65_536;

    private readonly ContentAddressedBlobs<AdvisoryText> _blobs = new("finding_texts", "advisory text");
    private readonly Dictionary<string, List<Encoded>> _encoded = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly StoredKeys _stored = new("finding_texts", "digest");
    private int _count;

    /// <summary>A text's digest and stored data.</summary>
    public sealed record Encoded(AdvisoryText Text, string Digest, byte[] Data);

    /// <summary>The encoded text of a finding, or null when it has none; encoded once per distinct text of an advisory id.</summary>
    public Encoded? Encode(VulnerabilityFinding finding)
    {
        var text = AdvisoryText.Of(finding);
        if (text.IsEmpty)
        {
            return null;
        }

        lock (_lock)
        {
            if (_encoded.TryGetValue(finding.Id, out var known) && known.Find(e => e.Text.SameAs(text)) is { } hit)
            {
                return hit;
            }
        }

        var (digest, json) = ContentAddressedBlobs<AdvisoryText>.Serialize(text);
        var encoded = new Encoded(text, digest, ContentAddressedBlobs<AdvisoryText>.Compress(json));
        lock (_lock)
        {
            if (_count >= MaxEncoded)
            {
                _encoded.Clear();
                _count = 0;
            }

            if (!_encoded.TryGetValue(finding.Id, out var list))
            {
                _encoded[finding.Id] = list = [];
            }

            list.Add(encoded);
            _count++;
        }

        return encoded;
    }

    /// <summary>Stores the texts the store does not hold yet, inside the caller's transaction.</summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<Encoded> texts, CancellationToken cancellationToken)
    {
        var missing = await _stored.MissingAsync(connection, transaction, texts.Select(t => t.Digest), cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0)
        {
            return;
        }

        var data = texts.DistinctBy(t => t.Digest, StringComparer.Ordinal).ToDictionary(t => t.Digest, t => t.Data, StringComparer.Ordinal);
        await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO finding_texts (digest, data)",
            [.. missing.Select(d => new object?[] { d, data[d] })], "ON CONFLICT (digest) DO NOTHING", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The texts under <paramref name="digests"/>, from memory or read in a few queries.</summary>
    public async Task<Dictionary<string, AdvisoryText>> ReadAsync(DbConnection connection, IReadOnlyCollection<string> digests, CancellationToken cancellationToken, DbTransaction? transaction = null)
    {
        var found = await _blobs.GetManyAsync(connection, digests, cancellationToken, transaction).ConfigureAwait(false);
        return found.ToDictionary(f => f.Key, f => f.Value.Value, StringComparer.Ordinal);
    }
}
