using Comb.Contracts;
using Comb.VulnDb.Versioning;
using CsCheck;

namespace Comb.VulnDb.Tests.Versioning;

/// <summary>
/// Every comparer must be a total order over ANY text: reflexive, antisymmetric, transitive and consistent with
/// its own equality. Versions are generated from each scheme's building blocks (mostly valid, some junk).
/// </summary>
public sealed class OrderingPropertyTests
{
    private static readonly Dictionary<string, string[]> Pieces = new(StringComparer.Ordinal)
    {
        ["dpkg"] = ["0", "1", "2", "10", "01", "9", "a", "b", "z", "~", "~", ".", ".", "+", "-", "-", "1:", "2:", ":"],
        ["rpm"] = ["0", "1", "2", "10", "01", "a", "b", "rc", "el", "~", "^", ".", ".", "_", "-", "1:", "+"],
        ["apk"] = ["0", "1", "2", "10", "01", ".", ".", ".0", "a", "z", "_alpha", "_beta", "_pre", "_rc", "_p", "_git", "_cvs", "-r0", "-r1", "-r10", "~ab", "~12", "_"],
        ["semver"] = ["0", "1", "2", "10", "01", ".", ".", ".", "-", "+", "alpha", "beta", "rc", "v", "=", "x"],
        ["go"] = ["0", "1", "2", "10", ".", ".", ".", "-", "+incompatible", "v", "go", "rc", "20210101000000", "-abcdef"],
        ["cargo"] = ["0", "1", "2", "10", ".", ".", ".", "-", "+", "alpha", "beta", "rc"],
        ["pep440"] = ["0", "1", "2", "10", ".", ".", "a", "b", "rc", "c", "post", "dev", "+", "local", "-", "!", "_", "1!", "v", "r"],
        ["maven"] = ["0", "1", "2", "10", ".", ".", "-", "-", "alpha", "a", "b", "m", "rc", "cr", "snapshot", "ga", "final", "sp", "foo", "bar", "release", "x"],
        ["nuget"] = ["0", "1", "2", "10", ".", ".", ".", "-", "+", "alpha", "Alpha", "beta", "rc", "RC"],
        ["rubygems"] = ["0", "1", "2", "10", ".", ".", "-", "a", "b", "pre", "rc", "Z"],
        ["composer"] = ["0", "1", "2", "10", ".", ".", "-", "v", "alpha", "beta", "RC", "rc", "p", "pl", "patch", "dev", "a", "b", "stable", ".x", "+"],
    };

    public static TheoryData<string> Schemes() => [.. VersionSchemes.All.Select(c => c.Scheme)];

    private static Gen<string> VersionGen(string scheme)
    {
        var piece = Gen.OneOf(Pieces[scheme]);
        var soup = piece.Array[1, 9].Select(string.Concat);
        // Structured: a digit first, as most real versions have.
        var structured = Gen.Select(Gen.OneOf("0", "1", "2", "10"), piece.Array[0, 6], (head, rest) => head + string.Concat(rest));
        return Gen.OneOf(structured, structured, soup);
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Ordering_is_reflexive_antisymmetric_transitive_and_consistent_with_equality(string scheme)
    {
        var comparer = VersionSchemes.For(scheme);
        var gen = VersionGen(scheme);

        Gen.Select(gen, gen, gen).Sample((a, b, c) =>
        {
            Assert.Equal(0, comparer.Compare(a, a));
            int ab = Math.Sign(comparer.Compare(a, b)), ba = Math.Sign(comparer.Compare(b, a));
            Assert.Equal(ab, -ba);
            int bc = Math.Sign(comparer.Compare(b, c)), ac = Math.Sign(comparer.Compare(a, c));
            if (ab <= 0 && bc <= 0)
            {
                Assert.True(ac <= 0, $"{a} <= {b} <= {c} but {a} > {c}");
            }

            if (ab == 0)
            {
                Assert.Equal(ac, bc);
            }
        }, iter: 20_000);
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Sorting_gives_an_order_every_pair_agrees_with(string scheme)
    {
        var comparer = VersionSchemes.For(scheme);

        VersionGen(scheme).Array[2, 16].Sample(versions =>
        {
            var sorted = versions.ToArray();
            Array.Sort(sorted, comparer.Compare);
            for (var i = 0; i < sorted.Length; i++)
            {
                for (var j = i + 1; j < sorted.Length; j++)
                {
                    Assert.True(comparer.Compare(sorted[i], sorted[j]) <= 0, $"{sorted[i]} sorted before {sorted[j]} but compares greater");
                }
            }
        }, iter: 2_000);
    }

    [Theory]
    [MemberData(nameof(Schemes))]
    public void Validity_never_throws_and_valid_versions_equal_themselves(string scheme)
    {
        IVersionComparer comparer = VersionSchemes.For(scheme);

        VersionGen(scheme).Sample(v =>
        {
            _ = comparer.IsValid(v);
            Assert.Equal(0, comparer.Compare(v, new string(v.AsSpan())));
        }, iter: 5_000);
    }
}
