using System.Runtime.CompilerServices;
using Comb.Contracts;

namespace Comb.Storage;

/// <summary>
/// The stored form (digest and gzip) of finding lists already encoded or read, found again by the finding objects
/// they hold: findings are immutable records, so a list of the same objects in the same order has the same JSON. A
/// fleet's re-checks hand the writer the same findings for a shared base over and over (the matcher keeps them per
/// package set object), and after an update most sets read back unchanged; neither is serialised again. Bounded by
/// generations of <see cref="MaxKept"/> lists, so a shared base's lists stay however large the fleet.
/// </summary>
internal sealed class FindingSetForms
{
    public const int MaxKept = 16_384;

    private readonly GenerationCache<IReadOnlyList<VulnerabilityFinding>, Form> _forms = new(MaxKept, SameFindings.Instance);

    /// <summary>A list's stored form: its digest, and its gzip when known.</summary>
    public sealed record Form(string Digest, byte[]? Data);

    public Form? Find(IReadOnlyList<VulnerabilityFinding> findings) => _forms.TryGet(findings, out var form) ? form : null;

    /// <summary>Keeps the list's form, under a copy of the list (the caller's list may change after).</summary>
    public void Remember(IReadOnlyList<VulnerabilityFinding> findings, string digest, byte[]? data) =>
        _forms.Set([.. findings], new Form(digest, data));

    /// <summary>Lists of the same finding objects in the same order.</summary>
    private sealed class SameFindings : IEqualityComparer<IReadOnlyList<VulnerabilityFinding>>
    {
        public static readonly SameFindings Instance = new();

        public bool Equals(IReadOnlyList<VulnerabilityFinding>? x, IReadOnlyList<VulnerabilityFinding>? y)
        {
            if (x is null || y is null || x.Count != y.Count)
            {
                return ReferenceEquals(x, y);
            }

            for (var i = 0; i < x.Count; i++)
            {
                if (!ReferenceEquals(x[i], y[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(IReadOnlyList<VulnerabilityFinding> findings)
        {
            var hash = new HashCode();
            hash.Add(findings.Count);
            for (var i = 0; i < findings.Count; i++)
            {
                hash.Add(RuntimeHelpers.GetHashCode(findings[i]));
            }

            return hash.ToHashCode();
        }
    }
}
