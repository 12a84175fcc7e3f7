using Comb.VulnDb.Feeds;
using Comb.VulnDb.Matching;
using Comb.VulnDb.Versioning;

namespace Comb.VulnDb.Tests.Matching;

public sealed class RangeEvaluatorTests
{
    private static RangeEvent I(string v) => new(EventKinds.Introduced, v);
    private static RangeEvent F(string v) => new(EventKinds.Fixed, v);
    private static RangeEvent L(string v) => new(EventKinds.LastAffected, v);
    private static RangeEvent Limit(string v) => new(EventKinds.Limit, v);

    private static bool In(string version, params RangeEvent[] events) =>
        RangeEvaluator.InRange(events, version, SemVerComparer.Instance, null);

    [Theory]
    [InlineData("1.0.1", true)]
    [InlineData("1.0.2", false)]
    [InlineData("1.0.2-rc1", true)]
    [InlineData("0.0.1", true)]
    public void Introduced_zero_to_fixed(string version, bool affected) =>
        Assert.Equal(affected, In(version, I("0"), F("1.0.2")));

    [Theory]
    [InlineData("0.9.0", false)]
    [InlineData("1.0.1", true)]
    [InlineData("2.0.0", false)]
    [InlineData("3.2.4", true)]
    [InlineData("3.2.5", false)]
    public void Several_intervals_in_one_range_even_when_events_are_out_of_order(string version, bool affected) =>
        Assert.Equal(affected, In(version, I("3.0.0"), F("3.2.5"), I("1.0.0"), F("1.0.2")));

    [Theory]
    [InlineData("2.1.214", true)]
    [InlineData("2.1.215", false)]
    public void Last_affected_is_inclusive(string version, bool affected) =>
        Assert.Equal(affected, In(version, I("0"), L("2.1.214")));

    [Fact]
    public void Introduced_only_means_every_later_version()
    {
        Assert.True(In("99.0.0", I("0")));
        Assert.False(In("1.9.9", I("2.0.0")));
    }

    [Fact]
    public void Limit_caps_the_range()
    {
        Assert.True(In("1.5.0", I("1.0.0"), Limit("2.0.0")));
        Assert.False(In("2.5.0", I("1.0.0"), Limit("2.0.0")));
        Assert.True(In("2.5.0", I("1.0.0"), Limit("*")));
    }

    [Fact]
    public void Fix_advice_is_the_first_fix_above_the_installed_version_in_its_interval()
    {
        var fixes = new List<string>();
        Assert.True(RangeEvaluator.InRange([I("0"), F("1.18.6"), I("1.19.0-0"), F("1.19.1")], "1.19.0", SemVerComparer.Instance, fixes));
        Assert.Equal(["1.19.1"], fixes);
    }

    [Fact]
    public void Explicit_versions_list_matches_exactly_and_GIT_ranges_are_not_guessed()
    {
        var git = new AffectedRange("GIT", [I("0"), F("74ea7cf7a6a27a4eeb2ae24e162bcc942a6706d5")]);
        var fixes = new List<string>();

        Assert.Equal(RangeVerdict.Affected, RangeEvaluator.Evaluate("PyPI", [git], ["2.3.0", "2.30.0"], "2.30.0", OsvComparerResolver.Instance, fixes));
        Assert.Equal(RangeVerdict.NotAffected, RangeEvaluator.Evaluate("PyPI", [git], ["2.3.0", "2.30.0"], "2.31.0", OsvComparerResolver.Instance, fixes));
        Assert.Equal(RangeVerdict.Unknown, RangeEvaluator.Evaluate("PyPI", [git], [], "2.31.0", OsvComparerResolver.Instance, fixes));
    }

    [Fact]
    public void Ecosystem_ranges_use_the_ecosystem_ordering()
    {
        var range = new AffectedRange("ECOSYSTEM", [I("0"), F("1:1.2.13.dfsg-1")]);
        var fixes = new List<string>();

        // dpkg: an epoch outranks any upstream version; lexical order would say the opposite.
        Assert.Equal(RangeVerdict.Affected, RangeEvaluator.Evaluate("Debian:12", [range], [], "9.9-1", OsvComparerResolver.Instance, fixes));
        Assert.Equal(RangeVerdict.NotAffected, RangeEvaluator.Evaluate("Debian:12", [range], [], "1:1.2.13.dfsg-1", OsvComparerResolver.Instance, fixes));
    }
}
