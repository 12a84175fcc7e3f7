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
/// A finding set as stored. Sets written now hold per finding the digest of its core in <c>finding_cores</c> (see
/// <see cref="FindingCores"/>) and where it was found (an index into the set's layers and paths, -1 for none). Sets
/// stored before cores were kept apart hold their findings without their advisory text and for each finding the
/// digest of its text in <c>finding_texts</c> ("" for none); older ones are a plain JSON list of whole findings. Each
/// is read as it is.
/// </summary>
[JsonConverter(typeof(StoredFindingsConverter))]
internal sealed class StoredFindings(List<VulnerabilityFinding> findings, List<string> texts)
{
    public List<VulnerabilityFinding> Findings { get; } = findings;

    public List<string> Texts { get; } = texts;

    /// <summary>Whether the set is in the core form (<see cref="Cores"/>, <see cref="Layers"/>, <see cref="Paths"/>, <see cref="At"/>).</summary>
    public bool HasCores { get; private init; }

    /// <summary>Per finding, its core's digest.</summary>
    public List<string> Cores { get; private init; } = [];

    /// <summary>The distinct layers of the set's findings.</summary>
    public List<string> Layers { get; private init; } = [];

    /// <summary>The distinct paths of the set's findings.</summary>
    public List<string> Paths { get; private init; } = [];

    /// <summary>Per finding, its layer's index then its path's index (-1 for none).</summary>
    public List<int> At { get; private init; } = [];

    /// <summary>The whole findings, once their cores or texts were read (kept with the stored form, so a shared set is put together once).</summary>
    [JsonIgnore]
    public List<VulnerabilityFinding>? Whole { get; set; }

    /// <summary>A set in the core form: each finding's core digest and where it was found.</summary>
    public static StoredFindings OfCores(IReadOnlyList<(string Core, string? Layer, string? Path)> findings)
    {
        var layers = new List<string>();
        var paths = new List<string>();
        var at = new List<int>(findings.Count * 2);
        foreach (var (_, layer, path) in findings)
        {
            at.Add(IndexIn(layers, layer));
            at.Add(IndexIn(paths, path));
        }

        return new StoredFindings([], []) { HasCores = true, Cores = [.. findings.Select(f => f.Core)], Layers = layers, Paths = paths, At = at };
    }

    private static int IndexIn(List<string> distinct, string? value)
    {
        if (value is null)
        {
            return -1;
        }

        var i = distinct.IndexOf(value);
        if (i < 0)
        {
            distinct.Add(value);
            i = distinct.Count - 1;
        }

        return i;
    }

    /// <summary>Where finding <paramref name="i"/> of a set in the core form was found.</summary>
    public (string? Layer, string? Path) Place(int i) => (At[2 * i] is var l && l >= 0 ? Layers[l] : null, At[(2 * i) + 1] is var p && p >= 0 ? Paths[p] : null);

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
            List<string>? cores = null;
            List<string> layers = [];
            List<string> paths = [];
            List<int> at = [];
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
                        texts = ReadStrings(ref reader);
                        break;
                    case "cores":
                        cores = ReadStrings(ref reader);
                        break;
                    case "layers":
                        layers = ReadStrings(ref reader);
                        break;
                    case "paths":
                        paths = ReadStrings(ref reader);
                        break;
                    case "at":
                        at = ReadInts(ref reader);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (cores is not null)
            {
                if (at.Count != 2 * cores.Count || at.Any(i => i < -1) || at.Where((_, k) => k % 2 == 0).Any(i => i >= layers.Count)
                    || at.Where((_, k) => k % 2 == 1).Any(i => i >= paths.Count))
                {
                    throw new JsonException($"a stored finding set places {at.Count / 2} of its {cores.Count} findings, or outside its layers and paths");
                }

                return new StoredFindings([], []) { HasCores = true, Cores = cores, Layers = layers, Paths = paths, At = at };
            }

            if (texts.Count != 0 && texts.Count != findings.Count)
            {
                throw new JsonException($"a stored finding set lists {texts.Count} texts for {findings.Count} findings");
            }

            return new StoredFindings(findings, texts);
        }

        // Hand-read: a fleet's re-match reads every image's own sets, and these lists are most of them.
        private static List<string> ReadStrings(ref Utf8JsonReader reader)
        {
            var list = new List<string>();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("a stored finding set's list is not an array");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                list.Add(reader.GetString() ?? throw new JsonException("a stored finding set lists a null"));
            }

            return list;
        }

        private static List<int> ReadInts(ref Utf8JsonReader reader)
        {
            var list = new List<int>();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("a stored finding set's list is not an array");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                list.Add(reader.GetInt32());
            }

            return list;
        }

        public override void Write(Utf8JsonWriter writer, StoredFindings value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            if (value.HasCores)
            {
                WriteStrings(writer, "cores", value.Cores);
                WriteStrings(writer, "layers", value.Layers);
                WriteStrings(writer, "paths", value.Paths);
                writer.WriteStartArray("at");
                foreach (var i in value.At)
                {
                    writer.WriteNumberValue(i);
                }

                writer.WriteEndArray();
            }
            else
            {
                writer.WritePropertyName("findings");
                JsonSerializer.Serialize(writer, value.Findings, options);
                WriteStrings(writer, "texts", value.Texts);
            }

            writer.WriteEndObject();
        }

        private static void WriteStrings(Utf8JsonWriter writer, string name, List<string> values)
        {
            writer.WriteStartArray(name);
            foreach (var v in values)
            {
                writer.WriteStringValue(v);
            }

            writer.WriteEndArray();
        }
    }
}

/// <summary>
/// Advisory texts kept once by content in <c>finding_texts</c>: a fleet's images share their advisories, so a finding
/// set holds per finding only what is its own, and the texts are encoded, written and read once per advisory (and
/// per process). Texts no stored core or finding set refers to go when scans are pruned (see <see cref="FindingSetStore.PruneAsync"/>).
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

    /// <summary>Forgets which texts are stored, after a prune may have deleted some.</summary>
    public void ForgetStored() => _stored.Forget();

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
