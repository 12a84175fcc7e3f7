using Comb.Contracts;

namespace Comb.Secrets.Tests;

public sealed class RegexTextTests
{
    [Theory]
    [InlineData("a|(b|c)|[|]|\\|", new[] { "a", "(b|c)", "[|]", "\\|" })]
    [InlineData("[]|]|x", new[] { "[]|]", "x" })]
    [InlineData("[^]|]|x", new[] { "[^]|]", "x" })]
    [InlineData("[\\]|]|x", new[] { "[\\]|]", "x" })]
    [InlineData("abc", new[] { "abc" })]
    [InlineData("a|", new[] { "a", "" })]
    public void Top_level_branches_step_over_groups_classes_and_escapes(string pattern, string[] branches) =>
        Assert.Equal(branches, RegexText.SplitTop(pattern));

    [Theory]
    [InlineData("(a|b")]
    [InlineData("a)|b(")]
    [InlineData("a|[bc")]
    public void A_bracket_or_class_that_does_not_close_gives_no_branches(string pattern) =>
        Assert.Null(RegexText.SplitTop(pattern));

    [Theory]
    [InlineData("(a[)]b\\))c", 0, 8)]
    [InlineData("x(a(b)c)y", 1, 7)]
    [InlineData("x(a(b)c)y", 3, 5)]
    [InlineData("(a[b)", 0, -1)]
    [InlineData("(ab", 0, -1)]
    public void A_group_closes_at_its_own_bracket(string pattern, int open, int close) =>
        Assert.Equal(close, RegexText.Closing(pattern, open));
}
