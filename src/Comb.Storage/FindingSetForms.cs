using System.Runtime.CompilerServices;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// The stored form (digest and gzip) of finding lists already encoded or read, found again by the finding objects
/// they hold: findings are immutable records, so a list of the same objects in the same order has the same JSON. A
/// fleet's re-checks hand the writer the same findings for a shared base over and over (the matcher keeps them per
/// package set object), and after an update most sets read back unchanged; neither is serialised again. Bounded:
/// beyond <see cref="MaxKept"/> lists it starts over.
/// </summary>
internal sealed class FindingSetForms
{
    public const int MaxKept = 16_384;

    private readonly Dictionary<int, List<Form>> _byHash = [];
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>A list's stored form: its findings (compared by reference), digest and gzip when known.</summary>
    public sealed record Form(VulnerabilityFinding[] Findings, string Digest, byte[]? Data);

    public Form? Find(IReadOnlyList<VulnerabilityFinding> findings)
    {
        var hash = HashOf(findings);
        lock (_lock)
        {
            if (_byHash.TryGetValue(hash, out var forms))
            {
                foreach (var form in forms)
                {
                    if (Same(form.Findings, findings))
                    {
                        return form;
                    }
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
            if (_count >= MaxKept)
            {
                _byHash.Clear();
                _count = 0;
            }

            if (!_byHash.TryGetValue(hash, out var forms))
            {
                _byHash[hash] = forms = [];
            }

            forms.RemoveAll(f => Same(f.Findings, findings));
            forms.Add(form);
            _count++;
        }
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
