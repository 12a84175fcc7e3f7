using System.Data.Common;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// A finding without where it was found (layer and path) and without its advisory's text: what every image holding
/// the same package version shares. Stored once by content in <c>finding_cores</c>, with the digest of its text in
/// <c>finding_texts</c> ("" for none).
/// </summary>
internal sealed class StoredCore(VulnerabilityFinding finding, string text)
{
    public VulnerabilityFinding Finding { get; } = finding;

    public string Text { get; } = text;

    /// <summary>The core with its text, once read (kept with the stored form, so a core is put together once).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public VulnerabilityFinding? Whole { get; set; }

    /// <summary>A finding without its layer and path.</summary>
    public static VulnerabilityFinding Unplaced(VulnerabilityFinding finding) =>
        finding.LayerDiffId is null && finding.Path is null ? finding : finding with { LayerDiffId = null, Path = null };

    /// <summary>A core finding placed at a layer and path (the core itself when it has neither).</summary>
    public static VulnerabilityFinding Place(VulnerabilityFinding core, string? layer, string? path) =>
        layer is null && path is null ? core : core with { LayerDiffId = layer, Path = path };
}

/// <summary>
/// Finding cores kept once by content: a fleet's images hold the same package versions in layers of their own, so a
/// finding set stores per finding only its core's digest, layer and path, and each core is encoded, written and read
/// once (per process). Cores no stored finding set refers to go when scans are pruned (see <see cref="FindingSetStore.PruneAsync"/>).
/// </summary>
internal sealed class FindingCores(AdvisoryTexts texts)
{
    /// <summary>Encoded cores kept in memory; past this many the memo starts over.</summary>
    private const int MaxEncoded = 65_536;

    private readonly ContentAddressedBlobs<StoredCore> _blobs = new("finding_cores", "finding core");
    private readonly Dictionary<(string, string, string, string), List<Encoded>> _encoded = [];
    private readonly Lock _lock = new();
    private readonly StoredKeys _stored = new("finding_cores", "digest");
    private int _count;

    /// <summary>A core's digest and stored data, with the unplaced finding it was encoded from, its text and the key of its id list.</summary>
    public sealed record Encoded(VulnerabilityFinding Unplaced, string Digest, byte[] Data, AdvisoryTexts.Encoded? Text, string IdsKey);

    /// <summary>The encoded core of a finding: encoded once per distinct core of a package version and advisory.</summary>
    public Encoded Encode(VulnerabilityFinding finding)
    {
        var key = (finding.Id, finding.PackageName, finding.PackageType, finding.InstalledVersion);
        lock (_lock)
        {
            if (_encoded.TryGetValue(key, out var known) && known.Find(e => SameUnplaced(e.Unplaced, finding)) is { } hit)
            {
                return hit;
            }
        }

        var unplaced = StoredCore.Unplaced(finding);
        var text = texts.Encode(unplaced);
        var (digest, json) = ContentAddressedBlobs<StoredCore>.Serialize(new StoredCore(text is null ? unplaced : AdvisoryText.Strip(unplaced), text?.Digest ?? ""));
        var encoded = new Encoded(unplaced, digest, ContentAddressedBlobs<StoredCore>.Compress(json), text, FindingIdLists.KeyOf(unplaced));
        lock (_lock)
        {
            if (_count >= MaxEncoded)
            {
                _encoded.Clear();
                _count = 0;
            }

            if (!_encoded.TryGetValue(key, out var list))
            {
                _encoded[key] = list = [];
            }

            list.Add(encoded);
            _count++;
        }

        return encoded;
    }

    /// <summary>
    /// Whether a finding is <paramref name="unplaced"/> wherever it was found. The matcher places one answer per
    /// package version, so the lists are mostly the same objects and the record's own equality (lists by reference)
    /// settles it; otherwise field by field, lists by their items.
    /// </summary>
    private static bool SameUnplaced(VulnerabilityFinding unplaced, VulnerabilityFinding finding)
    {
        var probe = StoredCore.Unplaced(finding);
        return probe == unplaced || RepeatedScans.SameFinding(unplaced, probe);
    }

    /// <summary>Forgets which cores are stored, after a prune may have deleted some.</summary>
    public void ForgetStored() => _stored.Forget();

    /// <summary>Stores the cores (and their texts) the store does not hold yet, inside the caller's transaction.</summary>
    public async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyCollection<Encoded> cores, CancellationToken cancellationToken)
    {
        var missing = await _stored.MissingAsync(connection, transaction, cores.Select(c => c.Digest), cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0)
        {
            return;
        }

        var data = cores.DistinctBy(c => c.Digest, StringComparer.Ordinal).ToDictionary(c => c.Digest, StringComparer.Ordinal);
        await texts.WriteAsync(connection, transaction, [.. missing.Select(d => data[d].Text).OfType<AdvisoryTexts.Encoded>()], cancellationToken).ConfigureAwait(false);
        await Sql.InsertRowsAsync(connection, transaction, "INSERT INTO finding_cores (digest, data)",
            [.. missing.Select(d => new object?[] { d, data[d].Data })], "ON CONFLICT (digest) DO NOTHING", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The whole (unplaced) findings under <paramref name="digests"/>, with their texts: from memory or read in a few queries.</summary>
    public async Task<Dictionary<string, VulnerabilityFinding>> ReadAsync(DbConnection connection, IReadOnlyCollection<string> digests, CancellationToken cancellationToken)
    {
        var found = await _blobs.GetManyAsync(connection, digests, cancellationToken).ConfigureAwait(false);
        var wanted = found.Values.Where(c => c.Value.Whole is null && c.Value.Text.Length > 0).Select(c => c.Value.Text).Distinct(StringComparer.Ordinal).ToList();
        var read = wanted.Count == 0 ? [] : await texts.ReadAsync(connection, wanted, cancellationToken).ConfigureAwait(false);
        var whole = new Dictionary<string, VulnerabilityFinding>(found.Count, StringComparer.Ordinal);
        foreach (var (digest, (core, _)) in found)
        {
            core.Whole ??= core.Text.Length == 0 ? core.Finding : read[core.Text].Restore(core.Finding);
            whole[digest] = core.Whole;
        }

        return whole;
    }
}
