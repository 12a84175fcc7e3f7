using System.Runtime.CompilerServices;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// The stored form (digest and gzip) of finding lists already encoded or read, found again by the finding objects
/// they hold: findings are immutable records, so a list of the same objects in the same order has the same JSON. A
/// fleet's re-checks hand the writer the same findings for a shared base over and over (the matcher keeps them per
/// package set object), and after an update most sets read back unchanged; neither is serialised again. Bounded by
/// generations of <see cref="MaxKept"/> lists: a list found in the old generation moves to the new one, so a shared
/// base's lists stay however large the fleet.
/// </summary>
internal sealed class FindingSetForms
{
    public const int MaxKept = 16_384;

    private Dictionary<int, List<Form>> _byHash = [];
    private Dictionary<int, List<Form>> _older = [];
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>A list's stored form: its findings (compared by reference), digest and gzip when known.</summary>
    public sealed record Form(VulnerabilityFinding[] Findings, string Digest, byte[]? Data);

    public Form? Find(IReadOnlyList<VulnerabilityFinding> findings)
    {
        var hash = HashOf(findings);
        lock (_lock)
        {
            if (FindIn(_byHash, hash, findings) is { } form)
            {
                return form;
            }

            if (FindIn(_older, hash, findings) is { } old)
            {
                Keep(hash, old);
                return old;
            }
        }

        return null;
    }

    private static Form? FindIn(Dictionary<int, List<Form>> generation, int hash, IReadOnlyList<VulnerabilityFinding> findings)
    {
        if (generation.TryGetValue(hash, out var forms))
        {
            foreach (var form in forms)
            {
                if (Same(form.Findings, findings))
                {
                    return form;
                }
            }
        }

        return null;
    }

    public void Remember(IReadOnlyList<VulnerabilityFinding> findings, string digest, byte[]? data)
    {
        var hash = HashOf(findings);
        var form = new Form([.. findings], digest, data);
        lock (_lock)
        {
            Keep(hash, form);
        }
    }

    private void Keep(int hash, Form form)
    {
        if (_count >= MaxKept)
        {
            _older = _byHash;
            _byHash = [];
            _count = 0;
        }

        if (!_byHash.TryGetValue(hash, out var forms))
        {
            _byHash[hash] = forms = [];
        }

        forms.RemoveAll(f => Same(f.Findings, form.Findings));
        forms.Add(form);
        _count++;
    }

    private static int HashOf(IReadOnlyList<VulnerabilityFinding> findings)
    {
        var hash = new HashCode();
        hash.Add(findings.Count);
        for (var i = 0; i < findings.Count; i++)
        {
            hash.Add(RuntimeHelpers.GetHashCode(findings[i]));
        }

        return hash.ToHashCode();
    }

    private static bool Same(VulnerabilityFinding[] kept, IReadOnlyList<VulnerabilityFinding> findings)
    {
        if (kept.Length != findings.Count)
        {
            return false;
        }

        for (var i = 0; i < kept.Length; i++)
        {
            if (!ReferenceEquals(kept[i], findings[i]))
            {
                return false;
            }
        }

        return true;
    }
}
